/**
 * Status changes of jobs committed in groups. Each change is one statement that passes its job's
 * gate (jobs/job-gate.ts) and locks the job; run alone, each is its own transaction and waits for
 * its own WAL flush. Here at most `slots` changes (or groups of them) run at once; changes that
 * arrive while all slots are taken wait, and the next free slot takes every one waiting (up to
 * MAX_GROUP) into ONE transaction: one commit, one flush. Nothing waits to fill a group, so a
 * change that finds a slot free runs alone at once, exactly as before.
 *
 * Measured with the driver alone on a 2-core machine (50 callers pausing distinct jobs, ten
 * transactions at once): 2,700 pauses/s one by one and 3,600 grouped; PostgreSQL's CPU per pause
 * 0.47 ms and 0.35 ms. How many run at once is the caller's choice (client.ts, `changeSlots`).
 *
 * What keeps a group as correct as the same changes one by one:
 * - Order of events: the event feed needs a job's changes to get their transaction ids in commit
 *   order. A group passes all its jobs' gates in one statement of its own, before any write (so
 *   before it has a transaction id), in the order of the gates' keys: a change of a job in a group
 *   gets its id after the previous change of that job committed, and two groups never wait for
 *   each other in a cycle. Two changes of one job in one group share the transaction id and are
 *   ordered by the event's id, in the order they were asked for.
 * - Nothing half-done: a change refused by the lifecycle is an answer, not an error. Any error
 *   rolls the whole group back; the change that failed then runs alone, with its own answer, and
 *   the others commit as the next group.
 * - One held job does not hold up the rest for long: in a group, a lock is waited for at most
 *   GROUP_LOCK_TIMEOUT; past it the group gives way as above.
 * - A lost connection fails every change of the group with the driver's error, as it would each
 *   alone (the request answers 503).
 */
import postgres from 'postgres';

/** A statement that changes one job, with the key of that job's gate (`workspace/name`). */
export interface GatedChange {
  text: string;
  params: readonly unknown[];
  gate: string;
}

type Row = Record<string, unknown>;

/** A bound keeps what one group waits for, and what one held job delays, small. */
const MAX_GROUP = 16;

/** How long a group waits for a lock before its changes run alone instead. */
const GROUP_LOCK_TIMEOUT = '1s';

/**
 * Every gate of the group (`$1`, a JSON array of keys), in the order of the keys' hashes (the locks
 * JOB_GATE_CTE takes). JSON, not a text array: the pool's connections do not fetch array types.
 */
const PASS_GATES = `select count(pg_advisory_xact_lock(key)) from (
  select hashtextextended(gate, 0) as key from json_array_elements_text($1::text::json) as gate order by 1
) as gates`;

const SET_LOCK_TIMEOUT = `set local lock_timeout = '${GROUP_LOCK_TIMEOUT}'`;

/** What PostgreSQL answers every statement after the one that failed, in the same transaction. */
const IN_FAILED_TRANSACTION = '25P02';

interface Waiting extends GatedChange {
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

export class ChangeGroups {
  private readonly waiting: Waiting[] = [];
  private running = 0;

  /**
   * `sql`: connections for the changes alone, `slots` of them, so that nothing else waits behind a
   * change on a connection; `shared`: the pool's other connections, where a change that made its
   * group give way runs alone (it may wait long for its job).
   */
  constructor(
    private readonly sql: postgres.Sql,
    private readonly shared: postgres.Sql,
    private readonly slots: number,
    private readonly logQuery: (text: string, params: unknown[]) => void = () => {},
  ) {}

  run(change: GatedChange): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...change, resolve, reject });
      this.startGroups();
    });
  }

  private startGroups() {
    while (this.running < this.slots && this.waiting.length > 0) {
      const group = this.waiting.splice(0, MAX_GROUP);
      this.running++;
      void this.commit(group).finally(() => {
        this.running--;
        this.startGroups();
      });
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    if (group.length === 1) return this.runAlone(group[0]!);
    const gates = JSON.stringify(group.map((change) => change.gate));
    /** Each change's own error, when the group failed. */
    const errors: unknown[] = [];
    let results: Row[][];
    try {
      results = await this.sql.begin((tx) => {
        // A query is sent once executed (or awaited): in this order, without waiting for answers,
        // so the group is one round trip, and its gates are passed before any write.
        const setUp = [
          tx.unsafe(SET_LOCK_TIMEOUT).execute(),
          tx.unsafe(PASS_GATES, [gates], { prepare: true }).execute(),
        ];
        this.logQuery(PASS_GATES, [gates]);
        const statements = group.map((change, i) => {
          this.logQuery(change.text, [...change.params]);
          return tx
            .unsafe<Row[]>(change.text, change.params as postgres.ParameterOrJSON<never>[], { prepare: true })
            .execute()
            .catch((error: unknown) => {
              errors[i] = error;
              throw error;
            });
        });
        return Promise.all([...setUp, ...statements]).then(
          (answers) => answers.slice(setUp.length) as Row[][],
        );
      });
    } catch (error) {
      this.giveWay(group, error, errors);
      return;
    }
    group.forEach((change, i) => change.resolve([...results[i]!]));
  }

  /**
   * After a failed group, which was rolled back: nothing of it was written. A lost connection
   * fails every change, as it would each alone. The server's errors concern one change (a lock
   * waited for too long, a deadlock, a statement cancelled): that change runs alone and the others
   * go first in line, to commit as the next group; when the one cannot be told (the gates), each
   * runs alone.
   */
  private giveWay(group: Waiting[], error: unknown, errors: unknown[]) {
    if (!(error instanceof postgres.PostgresError)) {
      for (const change of group) change.reject(error);
      return;
    }
    const culprit = errors.findIndex(
      (e) => e instanceof postgres.PostgresError && e.code !== IN_FAILED_TRANSACTION,
    );
    if (culprit === -1) {
      for (const change of group) void this.runAlone(change, this.shared);
      return;
    }
    void this.runAlone(group[culprit]!, this.shared);
    this.waiting.unshift(...group.filter((_, i) => i !== culprit));
  }

  private async runAlone(change: Waiting, sql = this.sql): Promise<void> {
    this.logQuery(change.text, [...change.params]);
    try {
      const rows = await sql.unsafe<Row[]>(change.text, change.params as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      });
      change.resolve([...rows]);
    } catch (error) {
      change.reject(error);
    }
  }
}
