/**
 * Where the pages of a workspace's job list start, learned from the pages read, so that a page
 * deep in the list is found from where it starts (a seek in the sort's index) instead of by
 * skipping every job before it. A client walking the pages in turn (the SDK's and the CLI's
 * listings do) then costs PostgreSQL as much per page at the thousandth page as at the first.
 *
 * A start is the sort key of the job just before it, at a position, in one state of the
 * workspace's jobs. Sorted by creation time, a job's position moves only when a job of the
 * workspace is created or deleted, and each such statement rewrites one of the workspace's
 * `job_counts` rows (its trigger). So the versions of those rows (`xmin`, as for a job's version)
 * name the state a start was learned in: the page's statement reads them in its own snapshot and
 * follows a start only where they are the same, and skips as before where they are not. A start
 * is only ever a shortcut: a process that knows none, or one learned in another state, reads the
 * same page.
 */
import { Recent } from '../support/recent.js';
import type { JobKey } from './job-list.js';
import type { SortField } from './job-query.js';

/** The sort fields whose order only creates and deletes change: `created_at` never changes. */
export const FIXED_ORDER_FIELDS: ReadonlySet<SortField> = new Set(['created_at']);

/**
 * How many lists a process keeps the starts of, and how many starts of each (a walk through
 * 100,000 jobs by pages of 50): a few MB at most, about 200 bytes a start.
 */
const KEPT_LISTS = 16;
const STARTS_PER_LIST = 2_000;

/**
 * The state of a workspace's jobs, as SQL: the versions of its `job_counts` rows, hashed (it rides
 * on every row of a page). A truncate deletes the rows; the next create writes a new one, with a
 * new version.
 */
export const jobsStateOf = (workspace: string) =>
  `(select md5(string_agg(job_counts.stripe || ':' || job_counts.xmin::text, ',' order by job_counts.stripe))
    from job_counts where job_counts.workspace = ${workspace})`;

/** A list's known starts, by position, in one state of its jobs. */
interface ListStarts {
  state: string;
  after: Map<number, JobKey>;
}

export class PageStarts {
  private readonly lists = new Recent<ListStarts>(KEPT_LISTS);

  /** The start of the page at `position` of `list`, with the state it was learned in, if known. */
  startOf(list: string, position: number): { state: string; after: JobKey } | undefined {
    const known = this.lists.get(list);
    const after = known?.after.get(position);
    return known && after ? { state: known.state, after } : undefined;
  }

  /**
   * That the page at `position` of `list` starts after `key`, in `state`. Starts of another state
   * are let go: the last state read is the likeliest to be read next.
   */
  learn(list: string, state: string, position: number, key: JobKey): void {
    let known = this.lists.get(list);
    if (!known || known.state !== state) {
      known = { state, after: new Map() };
      this.lists.set(list, known);
    }
    if (known.after.size < STARTS_PER_LIST) known.after.set(position, key);
  }
}
