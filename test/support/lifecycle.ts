/** Brings a one-step job to any status the way a user would: through the public API only. */
import type { JobStatus } from '../../src/jobs/lifecycle.js';
import { http, JOBS } from './gateway.js';
import { jobWithSteps } from './fixtures.js';

type Move = { action: 'pause' | 'resume' | 'cancel' } | { step: JobStatus };

/** From a fresh one-step job, the calls that reach each status. */
export const pathTo: Record<JobStatus, Move[]> = {
  created: [],
  pending: [{ step: 'pending' }],
  active: [{ step: 'active' }],
  pausing: [{ action: 'pause' }],
  paused: [{ action: 'pause' }, { step: 'paused' }],
  resuming: [{ action: 'pause' }, { step: 'paused' }, { action: 'resume' }],
  cancelling: [{ step: 'active' }, { action: 'cancel' }],
  cancelled: [{ action: 'cancel' }],
  completed: [{ step: 'active' }, { step: 'completed' }],
  error: [{ step: 'active' }, { step: 'error' }],
};

export async function createJobIn(
  base: string,
  workspace: string,
  name: string,
  lifecycle?: Record<string, number>,
) {
  const res = await http(
    base,
    'POST',
    `${JOBS}/workspaces/${workspace}/jobs`,
    jobWithSteps(name, 1, lifecycle),
  );
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body;
}

export async function reachStatus(base: string, workspace: string, name: string, status: JobStatus) {
  await createJobIn(base, workspace, name);
  for (const move of pathTo[status]) {
    const res =
      'action' in move
        ? await http(base, 'POST', `${JOBS}/workspaces/${workspace}/jobs/${name}/${move.action}`)
        : await http(base, 'PATCH', `${JOBS}/workspaces/${workspace}/jobs/${name}/steps/step-a/status`, {
            status: move.step,
          });
    if (res.status !== 200) throw new Error(`${JSON.stringify(move)} failed: ${res.status} ${res.text}`);
  }
  const job = await http(base, 'GET', `${JOBS}/workspaces/${workspace}/jobs/${name}`);
  if (job.body.status !== status) throw new Error(`reached ${job.body.status}, wanted ${status}`);
  return job.body;
}
