/**
 * A job's results and tasks with the built-in executor and real files: a `subprocess` step's files
 * in its results directory become results, downloadable byte for byte; its one task is recorded;
 * uploads are streamed to disk under their limit, nothing kept when refused; deleting a job
 * removes its results, files and tasks.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { jobResults, jobStepTasks } from '../src/jobs/tables.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { eventually } from './support/wait.js';

const MAX_BYTES = 256 * 1024;

/** A step that writes two results, a subdirectory and a file whose name is not a result name. */
const WRITE_RESULTS = `
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.env.NEMO_JOB_RESULTS_STORAGE_PATH;
writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ accuracy: 0.91 }));
writeFileSync(join(dir, 'model.bin'), Buffer.alloc(100000, 7));
mkdirSync(join(dir, 'checkpoints'));
writeFileSync(join(dir, 'Not A Name.txt'), 'skipped');
console.log('wrote results');
`;

const subprocessJob = (name: string, script: string) => ({
  name,
  source: 'tests',
  spec: {},
  platform_spec: {
    steps: [
      { name: 'train', executor: { provider: 'subprocess', command: [process.execPath, '-e', script] } },
    ],
  },
});

describe.each(databaseKinds)('job results and tasks on $name', (kind) => {
  const storageDir = mkdtempSync(join(tmpdir(), 'results-test-'));
  afterAll(() => rmSync(storageDir, { recursive: true, force: true }));
  const suite = useGateway(kind, { storageDir, resultMaxBytes: MAX_BYTES });

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  const get = (path: string) => http(suite.base, 'GET', path);
  const untilStatus = (ws: string, name: string, status: string) =>
    eventually(
      async () => (await get(`${jobs(ws)}/${name}`)).body,
      (job) => job.status === status,
    );
  const db = () => suite.server.gateway.database.db;

  it('turns the files a subprocess step leaves in NEMO_JOB_RESULTS_STORAGE_PATH into results, and records its task', async () => {
    const ws = uniqueWorkspace();
    const created = await http(suite.base, 'POST', jobs(ws), subprocessJob('trained', WRITE_RESULTS));
    expect(created.status, created.text).toBe(201);
    await untilStatus(ws, 'trained', 'completed');

    const listed = await get(`${jobs(ws)}/trained/results?sort=-created_at`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: { name: string }) => r.name).sort()).toEqual([
      'metrics.json',
      'model.bin',
    ]);
    const metrics = await get(`${jobs(ws)}/trained/results/metrics.json`);
    expect(metrics.body).toMatchObject({
      name: 'metrics.json',
      job: 'trained',
      workspace: ws,
      artifact_storage_type: 'fileset',
      artifact_url: `fileset://${ws}/job-fileset-trained/results/metrics.json`,
      download_url: `${jobs(ws)}/trained/results/metrics.json/download`,
      size: JSON.stringify({ accuracy: 0.91 }).length,
    });
    expect(metrics.body.content_type).toBe('application/json');
    const json = await get(metrics.body.download_url);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.body).toEqual({ accuracy: 0.91 });

    const res = await fetch(`${suite.base}${jobs(ws)}/trained/results/model.bin/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('100000');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.alloc(100000, 7))).toBe(true);
    // The skipped entries were not stored: only the two results' files are in the job's directory.
    expect(readdirSync(join(storageDir, created.body.id, 'results'))).toHaveLength(2);

    const tasks = await get(`${jobs(ws)}/trained/steps/train/tasks`);
    expect(tasks.body.data).toEqual([
      expect.objectContaining({ name: 'process', status: 'completed', created_by: null }),
    ]);
    const tree = await get(`${jobs(ws)}/trained/status`);
    expect(tree.body.steps[0].tasks).toEqual([
      expect.objectContaining({ name: 'process', status: 'completed', error_stack: '' }),
    ]);
    const logs = await get(`${jobs(ws)}/trained/logs?task_id=process`);
    expect(logs.body.data.map((l: { message: string; job_task: string }) => [l.message, l.job_task])).toEqual(
      [['wrote results', 'process']],
    );
    expect((await get(`${jobs(ws)}/trained/logs?task_id=worker-1`)).body).toMatchObject({
      data: [],
      total: 0,
    });
    expect((await get(`${jobs(ws)}/trained/logs?attempt_id=${created.body.attempt_id}`)).body.total).toBe(1);
    expect((await get(`${jobs(ws)}/trained/logs?attempt_id=another`)).body.total).toBe(0);
  });

  it('records a failed run’s task with the step’s error, and keeps the results it left', async () => {
    const ws = uniqueWorkspace();
    const script = `require('node:fs').writeFileSync(process.env.NEMO_JOB_RESULTS_STORAGE_PATH + '/partial.txt', 'half'); process.exit(3)`;
    expect((await http(suite.base, 'POST', jobs(ws), subprocessJob('failed', script))).status).toBe(201);
    await untilStatus(ws, 'failed', 'error');
    const task = await get(`${jobs(ws)}/failed/steps/train/tasks/process`);
    expect(task.body).toMatchObject({ status: 'error', error_details: { exit_code: 3 } });
    expect((await get(`${jobs(ws)}/failed/results/partial.txt/download`)).text).toBe('half');
  });

  it('a forced cancel ends a running step at once; its process stops and its task ends cancelled', async () => {
    const ws = uniqueWorkspace();
    const ticking = 'setInterval(() => console.log(Date.now()), 50)';
    expect((await http(suite.base, 'POST', jobs(ws), subprocessJob('ticking', ticking))).status).toBe(201);
    await eventually(
      async () => (await get(`${jobs(ws)}/ticking/logs`)).body.total as number,
      (lines) => lines > 0,
    );
    const forced = await http(suite.base, 'POST', `${jobs(ws)}/ticking/cancel?force=true`, {});
    expect(forced.status).toBe(200);
    expect(forced.body.status).toBe('cancelled');
    const task = await eventually(
      async () => (await get(`${jobs(ws)}/ticking/steps/train/tasks/process`)).body,
      (t) => t.status !== 'active',
    );
    // The task ends when the run has seen its process exit.
    expect(task.status).toBe('cancelled');
    expect((await get(`${jobs(ws)}/ticking`)).body.status).toBe('cancelled');
  });

  it('streams an upload to disk and back, byte for byte; refuses one over the limit, keeping nothing', async () => {
    const ws = uniqueWorkspace();
    const job = await http(suite.base, 'POST', jobs(ws), jobWithSteps('uploaded'));
    const bytes = new Uint8Array(randomBytes(200 * 1024));
    const upload = (name: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
      fetch(`${suite.base}${jobs(ws)}/uploaded/results/${name}`, {
        method: 'POST',
        body: new Blob([body]),
        headers: { 'content-type': 'application/x-tar', ...headers },
      });

    const res = await upload('weights.tar', bytes);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: 'weights.tar',
      size: bytes.length,
      content_type: 'application/x-tar',
    });
    const rows = await db().select().from(jobResults).where(eq(jobResults.jobId, job.body.id));
    expect(rows).toEqual([expect.objectContaining({ name: 'weights.tar', size: bytes.length })]);

    const download = await fetch(`${suite.base}${jobs(ws)}/uploaded/results/weights.tar/download`);
    expect(download.headers.get('content-length')).toBe(String(bytes.length));
    expect(download.headers.get('content-type')).toBe('application/x-tar');
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    const tooBig = await upload('too-big.bin', new Uint8Array(MAX_BYTES + 1));
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ detail: expect.stringContaining('JOB_RESULT_MAX_BYTES') });
    // Sent without a length (chunked), it is cut off while streaming, with the same answer.
    const chunked = await fetch(`${suite.base}${jobs(ws)}/uploaded/results/chunked.bin`, {
      method: 'POST',
      body: new Blob([randomBytes(MAX_BYTES), randomBytes(1024)]).stream(),
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await db().select().from(jobResults).where(eq(jobResults.jobId, job.body.id))).length).toBe(1);
    expect(readdirSync(join(storageDir, job.body.id, 'results'))).toHaveLength(1);
  });

  it('deletes a job’s results, their files and its tasks with the job', async () => {
    const ws = uniqueWorkspace();
    const job = await http(suite.base, 'POST', jobs(ws), jobWithSteps('short-lived'));
    const base = `${jobs(ws)}/short-lived`;
    const stored = await fetch(`${suite.base}${base}/results/notes.txt`, {
      method: 'POST',
      body: 'some notes',
      headers: { 'content-type': 'text/plain' },
    });
    expect(stored.status).toBe(201);
    expect(
      (await http(suite.base, 'PUT', `${base}/steps/step-a/tasks/worker-0`, { status: 'active' })).status,
    ).toBe(200);
    expect(existsSync(join(storageDir, job.body.id, 'results'))).toBe(true);
    const stepId = (await get(`${base}/steps/step-a`)).body.id as string;
    expect(await db().select().from(jobStepTasks).where(eq(jobStepTasks.stepId, stepId))).toHaveLength(1);

    expect((await http(suite.base, 'POST', `${base}/cancel`, {})).status).toBe(200);
    expect((await http(suite.base, 'DELETE', base)).status).toBe(204);
    expect(await db().select().from(jobResults).where(eq(jobResults.jobId, job.body.id))).toEqual([]);
    expect(await db().select().from(jobStepTasks).where(eq(jobStepTasks.stepId, stepId))).toEqual([]);
    await eventually(
      async () => existsSync(join(storageDir, job.body.id, 'results')),
      (exists) => !exists,
    );
    expect((await get(`${base}/results`)).status).toBe(404);
  });
});
