/** A job's rows as stored: the job, its steps in step order and its status events in order. */
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { jobStatusEvents, jobSteps, jobs } from '../../src/jobs/tables.js';

export async function storedJob(db: Database, jobId: string) {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  const steps = await db
    .select()
    .from(jobSteps)
    .where(eq(jobSteps.jobId, jobId))
    .orderBy(asc(jobSteps.position));
  const events = await db
    .select()
    .from(jobStatusEvents)
    .where(eq(jobStatusEvents.jobId, jobId))
    .orderBy(asc(jobStatusEvents.id));
  return { job, steps, events };
}
