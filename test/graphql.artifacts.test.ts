/**
 * A step's tasks and a job's results in GraphQL: what a controller reported and what was uploaded
 * through REST, read back in one query, and a result's `downloadUrl` streaming its bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';

const JOB = /* GraphQL */ `
  query ($ws: String!, $name: String!) {
    job(workspace: $ws, name: $name) {
      steps {
        name
        tasks {
          name
          status
          statusDetails
          errorDetails
          createdAt
          updatedAt
        }
      }
      results {
        name
        artifactUrl
        size
        contentType
        downloadUrl
      }
    }
  }
`;

describe.each(databaseKinds)('tasks and results in GraphQL on $name', (kind) => {
  const storageDir = mkdtempSync(join(tmpdir(), 'graphql-artifacts-'));
  afterAll(() => rmSync(storageDir, { recursive: true, force: true }));
  const suite = useGateway(kind, { executor: false, storageDir });
  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;

  it('shows the tasks reported of each step, in the order first reported', async () => {
    const ws = uniqueWorkspace();
    expect((await http(suite.base, 'POST', jobs(ws), jobWithSteps('distributed', 2))).status).toBe(201);
    const none = await gql(suite.base, JOB, { ws, name: 'distributed' });
    expect(none.errors).toBeUndefined();
    expect(none.data.job.steps.map((s: { tasks: unknown[] }) => s.tasks)).toEqual([[], []]);

    const task = (step: string, name: string, body: object) =>
      http(suite.base, 'PUT', `${jobs(ws)}/distributed/steps/${step}/tasks/${name}`, body);
    expect(
      (await task('step-a', 'rank-1', { status: 'active', status_details: { node: 'gpu-2' } })).status,
    ).toBe(200);
    expect((await task('step-a', 'rank-0', { status: 'active' })).status).toBe(200);
    expect(
      (await task('step-a', 'rank-1', { status: 'error', error_details: { message: 'out of memory' } }))
        .status,
    ).toBe(200);

    const res = await gql(suite.base, JOB, { ws, name: 'distributed' });
    expect(res.errors).toBeUndefined();
    const [a, b] = res.data.job.steps;
    expect(b.tasks).toEqual([]);
    expect(a.tasks).toMatchObject([
      { name: 'rank-1', status: 'ERROR', statusDetails: {}, errorDetails: { message: 'out of memory' } },
      { name: 'rank-0', status: 'ACTIVE', statusDetails: {}, errorDetails: null },
    ]);
    expect(Date.parse(a.tasks[0].updatedAt)).toBeGreaterThanOrEqual(Date.parse(a.tasks[0].createdAt));
  });

  it('lists results newest first, with a download URL for a stored file that serves its bytes', async () => {
    const ws = uniqueWorkspace();
    expect((await http(suite.base, 'POST', jobs(ws), jobWithSteps('trained'))).status).toBe(201);
    const reference = await http(suite.base, 'POST', `${jobs(ws)}/trained/results/elsewhere`, {
      artifact_url: `fileset://${ws}/shared/results/elsewhere`,
      artifact_storage_type: 'fileset',
    });
    expect(reference.status, reference.text).toBe(201);
    const bytes = randomBytes(4096);
    const upload = await fetch(`${suite.base}${jobs(ws)}/trained/results/weights.bin`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(upload.status).toBe(201);

    const res = await gql(suite.base, JOB, { ws, name: 'trained' });
    expect(res.errors).toBeUndefined();
    expect(res.data.job.results).toEqual([
      {
        name: 'weights.bin',
        artifactUrl: `fileset://${ws}/job-fileset-trained/results/weights.bin`,
        size: bytes.length,
        contentType: 'application/octet-stream',
        downloadUrl: `${jobs(ws)}/trained/results/weights.bin/download`,
      },
      {
        name: 'elsewhere',
        artifactUrl: `fileset://${ws}/shared/results/elsewhere`,
        size: null,
        contentType: null,
        downloadUrl: null,
      },
    ]);
    const download = await fetch(`${suite.base}${res.data.job.results[0].downloadUrl}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
