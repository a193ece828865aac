/**
 * A job's results: named artifacts, their metadata in the database and, for those stored here, their
 * file in the job's results directory, `<job storage>/<job id>/results/`. A result either points
 * elsewhere (`artifact_url`, as upstream records them) or holds a file: uploaded through the API, or
 * left by a `subprocess` step in its results directory (see ../executor/step-run.ts).
 *
 * Each stored file gets a fresh name on disk and is written in full before its row is committed; a
 * replaced file is removed only after the row that replaces it is committed. So a reader never sees
 * a row without its file or a file half-written, and a failure leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import {
  JobNotFoundError,
  ResultAlreadyExistsError,
  ResultNotFoundError,
  ResultTooLargeError,
} from './errors.js';
import { findJob } from './repository.js';
import { NAME_PATTERN } from './spec.js';
import { filesetOf } from './views.js';
import { jobResults, jobs, type JobResultRow, type JobRow } from './tables.js';

/** The largest upload accepted when `JOB_RESULT_MAX_BYTES` is not set: 100 MiB. */
export const DEFAULT_RESULT_MAX_BYTES = 100 * 1024 * 1024;

export const RESULT_SORT_VALUES = ['created_at', '-created_at', 'updated_at', '-updated_at'] as const;
export type ResultSort = (typeof RESULT_SORT_VALUES)[number];

export type ResultRecord = JobResultRow & { workspace: string; jobName: string };

/** Where a stored result's bytes are, to stream them. */
export interface ResultFile {
  result: ResultRecord;
  path: string;
  size: number;
}

/** The media type of a file a step left, from its name; uploads keep the one they were sent with. */
const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.png': 'image/png',
  '.tar': 'application/x-tar',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
};
const mediaTypeOf = (name: string) => MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';

/** Where a result stored here says it is, in the platform's terms: the job's fileset. */
const storedUrl = (job: Pick<JobRow, 'workspace' | 'name'>, name: string) =>
  `fileset://${job.workspace}/${filesetOf(job)}/results/${name}`;

export class JobResults {
  readonly root: string;

  constructor(
    private readonly db: Database,
    root: string,
    readonly maxBytes = DEFAULT_RESULT_MAX_BYTES,
  ) {
    this.root = resolve(root);
  }

  /** A job's results directory (job ids are generated, so safe as a path segment). */
  private directory(jobId: string): string {
    return join(this.root, jobId, 'results');
  }

  private async job(workspace: string, name: string): Promise<JobRow> {
    const job = await findJob(this.db, workspace, name);
    if (!job) throw new JobNotFoundError(workspace, name);
    return job;
  }

  async list(workspace: string, jobName: string, sort: ResultSort = '-created_at'): Promise<ResultRecord[]> {
    const job = await this.job(workspace, jobName);
    const direction = sort.startsWith('-') ? desc : asc;
    const column = sort.endsWith('updated_at') ? jobResults.updatedAt : jobResults.createdAt;
    const rows = await this.db
      .select()
      .from(jobResults)
      .where(eq(jobResults.jobId, job.id))
      .orderBy(direction(column), asc(jobResults.name));
    return rows.map((row) => ({ ...row, workspace, jobName }));
  }

  async get(workspace: string, jobName: string, name: string): Promise<ResultRecord> {
    const job = await this.job(workspace, jobName);
    const [row] = await this.db
      .select()
      .from(jobResults)
      .where(and(eq(jobResults.jobId, job.id), eq(jobResults.name, name)));
    if (!row) throw new ResultNotFoundError(jobName, name);
    return { ...row, workspace, jobName };
  }

  /** The results of many jobs in one statement, newest first, by job id. */
  async ofJobs(jobIds: readonly string[]): Promise<Map<string, ResultRecord[]>> {
    const byJob = new Map<string, ResultRecord[]>();
    if (jobIds.length === 0) return byJob;
    const rows = await this.db
      .select({ result: jobResults, workspace: jobs.workspace, jobName: jobs.name })
      .from(jobResults)
      .innerJoin(jobs, eq(jobs.id, jobResults.jobId))
      .where(inArray(jobResults.jobId, [...jobIds]))
      .orderBy(desc(jobResults.createdAt), asc(jobResults.name));
    for (const { result, workspace, jobName } of rows) {
      byJob.set(result.jobId, [...(byJob.get(result.jobId) ?? []), { ...result, workspace, jobName }]);
    }
    return byJob;
  }

  /** The file of a result stored here; a result that only points elsewhere has none. */
  async file(workspace: string, jobName: string, name: string): Promise<ResultFile> {
    const result = await this.get(workspace, jobName, name);
    if (result.file === null) throw new ResultNotFoundError(jobName, name, 'A file of result');
    const path = join(this.directory(result.jobId), result.file);
    try {
      return { result, path, size: (await stat(path)).size };
    } catch {
      throw new ResultNotFoundError(jobName, name, 'A file of result');
    }
  }

  /** Records a result that points at an artifact stored elsewhere (upstream's request body). */
  async createReference(
    workspace: string,
    jobName: string,
    name: string,
    reference: { artifact_url: string; artifact_storage_type: 'fileset' },
  ): Promise<ResultRecord> {
    const job = await this.job(workspace, jobName);
    return this.insert(job, {
      name,
      artifactUrl: reference.artifact_url,
      artifactStorageType: reference.artifact_storage_type,
      file: null,
      size: null,
      contentType: null,
    });
  }

  /** Stores an uploaded file as a new result; beyond `maxBytes` nothing is kept. */
  async upload(
    workspace: string,
    jobName: string,
    name: string,
    body: ReadableStream<Uint8Array> | null,
    contentType: string,
  ): Promise<ResultRecord> {
    const job = await this.job(workspace, jobName);
    // Refused before the bytes are read: most clients send the size, and a duplicate is cheap to see.
    const [taken] = await this.db
      .select({ name: jobResults.name })
      .from(jobResults)
      .where(and(eq(jobResults.jobId, job.id), eq(jobResults.name, name)));
    if (taken) throw new ResultAlreadyExistsError(jobName, name);
    const directory = this.directory(job.id);
    await mkdir(directory, { recursive: true });
    const file = `${randomBytes(8).toString('hex')}-${name}`;
    const path = join(directory, file);
    let size = 0;
    const limit = this.maxBytes;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > limit ? new ResultTooLargeError(limit) : null, chunk);
      },
    });
    try {
      const source = body
        ? Readable.fromWeb(body as import('node:stream/web').ReadableStream)
        : Readable.from([]);
      await pipeline(source, counted, createWriteStream(path, { flags: 'wx' }));
      return await this.insert(job, {
        name,
        artifactUrl: storedUrl(job, name),
        artifactStorageType: 'fileset',
        file,
        size,
        contentType,
      });
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  private async insert(
    job: JobRow,
    values: Omit<JobResultRow, 'jobId' | 'createdAt' | 'updatedAt'>,
  ): Promise<ResultRecord> {
    const now = new Date();
    const [row] = await this.db
      .insert(jobResults)
      .values({ ...values, jobId: job.id, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new ResultAlreadyExistsError(job.name, values.name);
    return { ...row, workspace: job.workspace, jobName: job.name };
  }

  /**
   * Turns the regular files at the top of `directory` (a step's results directory) into results of
   * the job, named after each file; a result of the same name is replaced. Files whose names are
   * not valid result names, and subdirectories, are left out and returned.
   */
  async collect(
    job: Pick<JobRow, 'id' | 'workspace' | 'name'>,
    directory: string,
  ): Promise<{ skipped: string[] }> {
    const skipped: string[] = [];
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch {
      return { skipped };
    }
    const target = this.directory(job.id);
    await mkdir(target, { recursive: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isFile() || !NAME_PATTERN.test(entry.name)) {
        skipped.push(entry.name);
        continue;
      }
      const file = `${randomBytes(8).toString('hex')}-${entry.name}`;
      const path = join(target, file);
      await rename(join(directory, entry.name), path);
      const { size } = await stat(path);
      const now = new Date();
      const values = {
        artifactUrl: storedUrl(job, entry.name),
        artifactStorageType: 'fileset' as const,
        file,
        size,
        contentType: mediaTypeOf(entry.name),
        updatedAt: now,
      };
      try {
        const replaced = await this.db.transaction(async (tx) => {
          const [previous] = await tx
            .select({ file: jobResults.file })
            .from(jobResults)
            .where(and(eq(jobResults.jobId, job.id), eq(jobResults.name, entry.name)))
            .for('update');
          await tx
            .insert(jobResults)
            .values({ ...values, jobId: job.id, name: entry.name, createdAt: now })
            .onConflictDoUpdate({ target: [jobResults.jobId, jobResults.name], set: values });
          return previous?.file;
        });
        if (replaced) await rm(join(target, replaced), { force: true });
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
    }
    return { skipped };
  }

  /** Removes a deleted job's stored files (its rows went with the job). */
  removeJob(jobId: string): Promise<void> {
    return rm(this.directory(jobId), { recursive: true, force: true });
  }

  /** Opens a stored file for streaming. */
  static stream(file: ResultFile): ReadableStream<Uint8Array> {
    return Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>;
  }
}
