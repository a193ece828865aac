/** What the fuzz suites check around each request: rows written, and lines logged. */
import { count } from 'drizzle-orm';
import { roleBindings } from '../../src/access/tables.js';
import type { Database } from '../../src/db/client.js';
import { jobs, jobStatusEvents, jobSteps } from '../../src/jobs/tables.js';
import { createLogger } from '../../src/observability/logger.js';

/** How many rows each table a request could write holds. */
export async function rowCounts(db: Database) {
  const [[j], [s], [e], [m]] = await Promise.all([
    db.select({ n: count() }).from(jobs),
    db.select({ n: count() }).from(jobSteps),
    db.select({ n: count() }).from(jobStatusEvents),
    db.select({ n: count() }).from(roleBindings),
  ]);
  return { jobs: j.n, steps: s.n, events: e.n, members: m.n };
}

/** A JSON logger whose lines the test reads. */
export function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    format: 'json',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** Lines logged as internal errors: a client's mistake must never produce one. */
export const errorLines = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => line.level === 'error' || line.level === 'fatal');
