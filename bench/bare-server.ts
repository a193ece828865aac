/**
 * The reference for the pause benchmark: `node:http` and postgres.js, no framework, doing the
 * gateway's pause in ONE statement on the gateway's own schema (the gateway has migrated it).
 *
 *   DATABASE_URL=postgres://… PORT=0 node --import tsx bench/bare-server.ts
 *
 * `POST /pause/{workspace}/{name}` answers as the gateway's REST pause does: 200 with the job (the
 * same JSON), 404 or 409 with `{"detail": …}`. The statement does the gateway's work: lock the job
 * and its steps, check the lifecycle (created, pending and active pause; pausing and paused are
 * no-ops; a running step whose pause deadline is 0 cannot pause; anything else conflicts),
 * move the current step (the first one not completed) and the job to `pausing` with `updated_at`,
 * append the status event, and send the wake-up `NOTIFY` that other processes' feeds listen for.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';

// The gateway's pool size (DATABASE_POOL_SIZE, 10 unless set), so both sides have the same number
// of database connections.
const sql = postgres(process.env.DATABASE_URL!, {
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  onnotice: () => {},
});

interface PausedJobRow {
  id: string;
  attempt_id: string;
  name: string;
  workspace: string;
  project: string | null;
  description: string | null;
  source: string;
  spec: unknown;
  status: string;
  status_details: unknown;
  error_details: unknown;
  ownership: unknown;
  custom_fields: unknown;
  created_at: Date;
  updated_at: Date;
  step_name: string;
  step_environment: unknown;
  step_executor: unknown;
  step_config: unknown;
  step_lifecycle: { pause_deadline_seconds?: number } | null;
  step_status: string;
  /** 1 when this statement paused the job, 0 when it left it as it was. */
  paused: number;
}

/**
 * One row per step of the job, as it was when locked. A data-modifying CTE's changes are not
 * visible to the rest of its statement, so `paused` says whether the writes happened.
 */
function pause(workspace: string, name: string, now: Date) {
  return sql<PausedJobRow[]>`
    with locked as (
      select jobs.*, job_steps.id as step_id, job_steps.position as step_position,
        job_steps.name as step_name, job_steps.environment as step_environment,
        job_steps.executor as step_executor, job_steps.config as step_config,
        job_steps.lifecycle as step_lifecycle, job_steps.status as step_status
      from jobs join job_steps on job_steps.job_id = jobs.id
      where jobs.workspace = ${workspace} and jobs.name = ${name}
      for update
    ),
    current_step as (
      select * from locked where step_status <> 'completed' order by step_position limit 1
    ),
    pausable as (
      select * from current_step
      where status in ('created', 'pending', 'active')
        -- A running step with a pause deadline of 0 (a subprocess step's default) cannot pause.
        and not (
          step_status = 'active'
          and coalesce(
            (step_lifecycle ->> 'pause_deadline_seconds')::numeric,
            case when step_executor ->> 'provider' = 'subprocess' then 0 end
          ) is not distinct from 0
        )
    ),
    step_write as (
      update job_steps set status = 'pausing', updated_at = ${now}
      from pausable where job_steps.id = pausable.step_id
    ),
    job_write as (
      update jobs set status = 'pausing', updated_at = ${now}
      from pausable where jobs.id = pausable.id
    ),
    event as (
      insert into job_status_events (job_id, workspace, job_name, status, previous_status, occurred_at)
      select id, workspace, name, 'pausing', status, ${now} from pausable
      returning id
    ),
    wake as (
      select pg_notify('job_status_events', '') from event
    )
    select locked.*, (select count(*)::int from pausable) as paused, (select count(*) from wake) as woken
    from locked
    order by step_position`;
}

/** The job as the gateway's REST door shows it (`PlatformJobResponse`, in its key order). */
function jobResponse(rows: PausedJobRow[], status: string, updatedAt: Date) {
  const job = rows[0];
  return {
    id: job.id,
    attempt_id: job.attempt_id,
    name: job.name,
    workspace: job.workspace,
    ...(job.project !== null ? { project: job.project } : {}),
    ...(job.description !== null ? { description: job.description } : {}),
    source: job.source,
    spec: job.spec,
    platform_spec: {
      steps: rows.map((step) => ({
        name: step.step_name,
        ...(step.step_environment ? { environment: step.step_environment } : {}),
        executor: step.step_executor,
        ...(step.step_config ? { config: step.step_config } : {}),
        ...(step.step_lifecycle ? { lifecycle: step.step_lifecycle } : {}),
      })),
    },
    fileset: `job-fileset-${job.name}`,
    status,
    status_details: job.status_details,
    error_details: job.error_details ?? {},
    created_at: job.created_at.toISOString(),
    updated_at: updatedAt.toISOString(),
    ownership: job.ownership,
    custom_fields: job.custom_fields,
  };
}

/** Why a job that was not paused could not be, or undefined when pausing it is a no-op. */
function conflict(rows: PausedJobRow[]): string | undefined {
  const job = rows[0];
  if (job.status === 'pausing' || job.status === 'paused') return undefined;
  const current = rows.find((r) => r.step_status !== 'completed') ?? rows[rows.length - 1];
  if (job.status === 'created' || job.status === 'pending' || job.status === 'active') {
    return `Cannot pause job '${job.name}': the running step '${current.step_name}' does not support pause.`;
  }
  return `Cannot pause job '${job.name}': the job is ${job.status}.`;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk;
  return text;
}

const route = /^\/pause\/([^/]+)\/([^/]+)$/;

async function handle(req: IncomingMessage, res: ServerResponse) {
  const match = req.method === 'POST' ? route.exec(req.url ?? '') : null;
  const body = await readBody(req);
  if (!match) return send(res, 404, { detail: 'Not Found' });
  // The gateway parses the body (`{}`); so does the reference.
  if (body.trim() !== '') {
    try {
      JSON.parse(body);
    } catch {
      return send(res, 422, { detail: 'JSON decode error' });
    }
  }
  const workspace = decodeURIComponent(match[1]);
  const name = decodeURIComponent(match[2]);
  const now = new Date();
  const rows = await pause(workspace, name, now);
  if (rows.length === 0) {
    return send(res, 404, { detail: `Job '${name}' not found in workspace '${workspace}'.` });
  }
  if (rows[0].paused) return send(res, 200, jobResponse(rows, 'pausing', now));
  const reason = conflict(rows);
  if (reason) return send(res, 409, { detail: reason }, { 'x-should-retry': 'false' });
  return send(res, 200, jobResponse(rows, rows[0].status, rows[0].updated_at));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error('bare server:', error);
    if (!res.headersSent) send(res, 500, { detail: 'Internal Server Error' });
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Bare pause server on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close();
    void sql.end({ timeout: 5 }).then(() => process.exit(0));
  });
}
