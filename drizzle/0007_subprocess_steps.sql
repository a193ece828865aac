CREATE INDEX "job_steps_subprocess_status_idx" ON "job_steps" USING btree ("status") WHERE ("job_steps"."executor"->>'provider') = 'subprocess';--> statement-breakpoint
-- How many steps each executor has: without it the planner guesses 0.5 % of all steps are the
-- built-in executor's, and a look for its work on a table of other executors' steps plans a
-- parallel hash join (60 ms at 250,000 steps) instead of reading the index above (0.03 ms).
CREATE STATISTICS "job_steps_provider_stats" ON (("executor"->>'provider')) FROM "job_steps";
--> statement-breakpoint
ANALYZE "job_steps";
