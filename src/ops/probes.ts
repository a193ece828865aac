/**
 * Probes for supervisors and load balancers, answered ahead of the doors, without auth, and never
 * touching a job. `/healthz` and `/livez`: the process is alive and its event loop answers.
 * `/readyz`: it can serve, each check saying "ok" or why not.
 */
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';

/** Resolves when all is well; rejects with the reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

export const PROBE_PATHS = ['/healthz', '/livez', '/readyz'];

/** A check that has not answered by then counts as failed: a probe must answer quickly. */
export const READINESS_TIMEOUT_MS = 2000;

const NO_STORE = { 'cache-control': 'no-store' };

export function probeRoutes(checks: Record<string, ReadinessCheck>, timeoutMs = READINESS_TIMEOUT_MS): Hono {
  const app = new Hono();
  const alive = (c: Context) => c.json({ status: 'ok' }, 200, NO_STORE);
  app.get('/healthz', alive);
  app.get('/livez', alive);

  const bounded = Object.entries(checks).map(
    ([name, check]) => [name, sharedWhileAwaited(check, timeoutMs)] as const,
  );
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      bounded.map(async ([name, check]) => [name, await outcome(check, timeoutMs)] as const),
    );
    const ready = results.every(([, result]) => result === 'ok');
    return c.json(
      { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) },
      ready ? 200 : 503,
      NO_STORE,
    );
  });
  return app;
}

/**
 * A server for claiming the port before the gateway is built. Until the gateway takes it over it
 * is alive, not ready, and answers every other request with a 503.
 */
export function createStartingServer(): Server {
  const respond = getRequestListener(startingRoutes().fetch);
  return createServer((req, res) => void respond(req, res));
}

function startingRoutes(): Hono {
  const app = probeRoutes({
    startup: async () => {
      throw new Error('starting');
    },
  });
  app.all('*', (c) =>
    c.json({ detail: 'The gateway is starting; retry in a moment.' }, 503, { 'retry-after': '1' }),
  );
  return app;
}

/** "ok", or the reason the check failed or that it did not answer in time. */
async function outcome(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timedOut]);
    return 'ok';
  } catch (error) {
    return reasonOf(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * While a check is still running (a database that hangs), later probes wait for it rather than pile
 * up, but only for as long as a probe waits: an attempt that has outlived one probe's deadline
 * stands for no later probe, which starts afresh. So one query stuck on one bad connection (a flow
 * a NAT forgot, answered only when the driver gives the connection up) costs one probe's answer,
 * not every answer until then, and a database that hangs gets one attempt per check per deadline.
 */
function sharedWhileAwaited(check: ReadinessCheck, timeoutMs: number): ReadinessCheck {
  let running: { promise: Promise<void>; startedAt: number } | undefined;
  return () => {
    if (!running || performance.now() - running.startedAt >= timeoutMs) {
      const attempt = {
        startedAt: performance.now(),
        promise: check().finally(() => {
          if (running === attempt) running = undefined;
        }),
      };
      running = attempt;
    }
    return running.promise;
  };
}

/** The driver's own words: a query builder's wrapper would add the statement, which is not for clients. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  const message = cause.message.split('\n')[0] || 'failed';
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
