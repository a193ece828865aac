#!/usr/bin/env node
/**
 * A small external controller for container steps, written against the gateway's REST API only.
 * It polls `GET …/workspaces/-/jobs/-/steps` for `cpu` steps and drives each through its lifecycle
 * with `PATCH …/jobs/{job}/steps/{step}/status`, pausing by checkpoint as the platform does. Here a
 * local process stands in for the container: the step's `entrypoint` + `command` run on this machine
 * with the NEMO_JOB_* variables a real container would get. Node.js only, no dependencies.
 *
 *   GATEWAY_URL=http://127.0.0.1:8080 node examples/controller/controller.mjs
 *
 * Settings (environment): GATEWAY_URL (default http://127.0.0.1:8080), POLL_MS (500),
 * CONTROLLER_STORAGE_DIR (./.controller: job storage, one directory per job), PROVIDERS (cpu),
 * PAUSE_DEADLINE_SECONDS (30: for steps that do not set their own).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const gateway = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const pollMs = Number(process.env.POLL_MS ?? 500);
const storageRoot = resolve(process.env.CONTROLLER_STORAGE_DIR ?? '.controller');
const providers = new Set((process.env.PROVIDERS ?? 'cpu').split(','));
const defaultPauseDeadline = Number(process.env.PAUSE_DEADLINE_SECONDS ?? 30);
const API = `${gateway}/apis/jobs/v2`;
const CHECKPOINTED = 75;
const WATCHED = ['created', 'pending', 'active', 'pausing', 'resuming', 'cancelling'];

/** The stand-in processes this controller runs, by step id. */
const running = new Map();

async function api(method, path, body) {
  const res = await fetch(API + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Reports a step's status; a 409 means the step moved on (or must wait its turn): the next poll looks again. */
async function report(step, update) {
  const path = `/workspaces/${step.workspace}/jobs/${step.job}/steps/${step.name}/status`;
  const res = await api('PATCH', path, update);
  if (res.status !== 200 && res.status !== 409 && res.status !== 404)
    console.error(`PATCH ${step.job}/${step.name} → ${update.status}: ${res.status}`, res.body);
  return res.status === 200;
}

async function poll() {
  let page = 1;
  for (;;) {
    const query = `filter[status]=${WATCHED.join(',')}&page=${page}&page_size=100`;
    const res = await api('GET', `/workspaces/-/jobs/-/steps?${query}`);
    if (res.status !== 200) throw new Error(`listing steps: ${res.status}`);
    for (const step of res.body.data) {
      if (providers.has(step.spec.executor.provider)) await drive(step);
    }
    if (page >= res.body.pagination.total_pages) return;
    page++;
  }
}

/** One step, one look: what its status asks of this controller. */
async function drive(step) {
  const run = running.get(step.id);
  switch (step.status) {
    case 'created':
    case 'pending':
      // Claim it (a later step's claim is refused until the ones before it complete), then start it.
      if (!run && (await report(step, { status: 'active', status_details: { controller: 'example' } })))
        await start(step);
      return;
    case 'pausing':
      if (run) return checkpoint(run, step);
      // Never started here: nothing to stop.
      return void (await report(step, { status: 'paused' }));
    case 'resuming':
      // Its container is gone: it waits to be started again, with the same storage.
      return void (await report(step, { status: 'pending' }));
    case 'cancelling':
      if (run) return stop(run, 'cancel');
      return void (await report(step, { status: 'cancelled' }));
    case 'active':
      // Active without a process here: another controller runs it (or this one restarted and lost it).
      return;
  }
}

async function start(step) {
  const { container } = step.spec.executor;
  const command = [...(container.entrypoint ?? []), ...(container.command ?? [])];
  if (command.length === 0) {
    await report(step, {
      status: 'error',
      error_details: { message: `No entrypoint or command to stand in for image '${container.image}'.` },
    });
    return;
  }
  const job = (await api('GET', `/workspaces/${step.workspace}/jobs/${step.job}`)).body;
  const persistent = join(storageRoot, step.job_id, 'persistent');
  mkdirSync(persistent, { recursive: true });
  mkdirSync(join(storageRoot, step.job_id, 'runs'), { recursive: true });
  const runDir = mkdtempSync(join(storageRoot, step.job_id, 'runs', `${step.name}-`));
  const configFile = join(runDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(step.spec.config ?? {}));
  mkdirSync(join(runDir, 'ephemeral'));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const variable of step.spec.environment ?? []) {
    env[variable.name] = variable.value ?? process.env[variable.from_secret?.name] ?? '';
  }
  Object.assign(env, {
    NEMO_JOB_ID: step.job_id,
    NEMO_JOB_ATTEMPT_ID: job.attempt_id,
    NEMO_JOB_STEP: step.name,
    NEMO_JOB_WORKSPACE: step.workspace,
    NEMO_JOB_STEP_CONFIG_FILE_PATH: configFile,
    NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH: persistent,
    NEMO_JOB_EPHEMERAL_TASK_STORAGE_PATH: join(runDir, 'ephemeral'),
  });
  const [file, ...args] = command;
  const child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { step, child, asked: undefined, deadlinePassed: false, finished: false, timers: [] };
  running.set(step.id, run);
  const prefix = `[${step.workspace}/${step.job}/${step.name}]`;
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) console.log(`${prefix} ${line}`);
    });
  }
  child.once('error', (error) => finish(run, { code: null, signal: null, error }, runDir));
  child.once('exit', (code, signal) => finish(run, { code, signal }, runDir));
}

function signal(run, name) {
  try {
    process.kill(-run.child.pid, name);
  } catch {
    // Already gone.
  }
}

/** A pause: SIGTERM, and SIGKILL once the step's pause deadline has passed. */
function checkpoint(run, step) {
  if (run.asked) return;
  run.asked = 'pause';
  signal(run, 'SIGTERM');
  const seconds = step.spec.lifecycle?.pause_deadline_seconds ?? defaultPauseDeadline;
  run.timers.push(
    setTimeout(() => {
      run.deadlinePassed = true;
      signal(run, 'SIGKILL');
    }, seconds * 1000),
  );
}

function stop(run, why) {
  if (run.asked === why) return;
  run.asked = why;
  signal(run, 'SIGTERM');
  run.timers.push(setTimeout(() => signal(run, 'SIGKILL'), 10_000));
}

async function finish(run, { code, signal: killedBy, error }, runDir) {
  if (run.finished) return;
  run.finished = true;
  for (const timer of run.timers) clearTimeout(timer);
  rmSync(runDir, { recursive: true, force: true });
  const failed = (message) => ({
    status: 'error',
    error_details: { exit_code: code, signal: killedBy, message },
  });
  let update;
  if (error) update = failed(`Could not start the stand-in: ${error.message}`);
  else if (run.asked === 'cancel') update = { status: 'cancelled' };
  else if (run.asked === 'pause') {
    if (run.deadlinePassed) update = failed('Job did not stop within its pause deadline and was killed.');
    else if (code === CHECKPOINTED) update = { status: 'paused' };
    else if (code === 0) update = { status: 'completed' };
    else
      update = failed(
        killedBy
          ? `Job was killed by ${killedBy} while pausing`
          : `Job exited with code ${code} while pausing`,
      );
  } else if (code === 0) update = { status: 'completed' };
  else
    update = failed(
      killedBy ? `The container was killed by ${killedBy}.` : `The container exited with code ${code}.`,
    );
  await report(run.step, update);
  // Forgotten only once reported, so a poll in between does not mistake it for a step never started.
  running.delete(run.step.id);
}

console.log(
  `Example controller: driving ${[...providers].join(', ')} steps of ${gateway}, storage in ${storageRoot}`,
);
let stopping = false;
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => {
    stopping = true;
    for (const run of running.values()) signal(run, 'SIGKILL');
    process.exit(0);
  });
}
while (!stopping) {
  try {
    await poll();
  } catch (error) {
    console.error(`Example controller: ${error.message}; trying again.`);
  }
  await new Promise((done) => setTimeout(done, pollMs));
}
