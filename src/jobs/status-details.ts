/** A job's status details, as the controller running it records its progress there. */
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { jobs, type JobRow } from './tables.js';

/**
 * Merges `details` into the job's status details, key by key (a key given `null` keeps `null`), under
 * the job's row lock, so two controllers' merges never lose each other's keys. Undefined when there
 * is no such job. The status does not change, so no status event is recorded.
 */
export async function mergeStatusDetails(
  db: Database,
  workspace: string,
  name: string,
  details: Record<string, unknown>,
): Promise<JobRow | undefined> {
  return db.transaction(async (tx) => {
    const where = and(eq(jobs.workspace, workspace), eq(jobs.name, name));
    const [job] = await tx.select().from(jobs).where(where).for('update');
    if (!job) return undefined;
    const [updated] = await tx
      .update(jobs)
      .set({ statusDetails: { ...job.statusDetails, ...details }, updatedAt: new Date() })
      .where(eq(jobs.id, job.id))
      .returning();
    return updated;
  });
}
