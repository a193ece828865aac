/**
 * The files a step's workload gets, as on the platform: a persistent directory per job (where it
 * keeps checkpoints; it outlives pauses, resumes and gateway restarts, and goes when the job is
 * deleted), and per run a config file (the step's `config` as JSON), an ephemeral directory and a
 * results directory (whose files become the job's results when the run ends), removed when the run ends.
 *
 * Layout under the storage root: `<job id>/persistent/`, `<job id>/runs/<step>-<random>/`
 * (`config.json`, `ephemeral/`, `results/`) and `<job id>/results/` (the job's stored results). Every gateway process that may resume a job must see the same root.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** What a run of one step is told through its environment. */
export interface RunFiles {
  persistent: string;
  configFile: string;
  ephemeral: string;
  /** Where the run leaves files to become the job's results. */
  results: string;
  /** Removes the run's own files (not the job's persistent storage). */
  remove(): Promise<void>;
}

export class JobStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The job's persistent directory (job ids are generated, so safe as a path segment). */
  persistentPath(jobId: string): string {
    return join(this.root, jobId, 'persistent');
  }

  /** Creates the directories and config file of one run of `step`. */
  async prepareRun(jobId: string, step: string, config: Record<string, unknown> | null): Promise<RunFiles> {
    const persistent = this.persistentPath(jobId);
    const run = join(this.root, jobId, 'runs', `${step}-${randomBytes(6).toString('hex')}`);
    const ephemeral = join(run, 'ephemeral');
    const results = join(run, 'results');
    const configFile = join(run, 'config.json');
    await mkdir(persistent, { recursive: true });
    await mkdir(ephemeral, { recursive: true });
    await mkdir(results, { recursive: true });
    await writeFile(configFile, JSON.stringify(config ?? {}));
    return {
      persistent,
      configFile,
      ephemeral,
      results,
      remove: () => rm(run, { recursive: true, force: true }),
    };
  }

  /** Removes everything of a job: it has been deleted. */
  removeJob(jobId: string): Promise<void> {
    return rm(join(this.root, jobId), { recursive: true, force: true });
  }
}
