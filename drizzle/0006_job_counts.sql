CREATE TABLE "job_counts" (
	"workspace" text NOT NULL,
	"stripe" integer NOT NULL,
	"jobs" bigint NOT NULL,
	CONSTRAINT "job_counts_workspace_stripe_pk" PRIMARY KEY("workspace","stripe")
);
--> statement-breakpoint
-- Creates and deletes keep job_counts; a statement's jobs are counted at once, per workspace, on
-- the stripe of the connection that wrote them (the same connection never runs two transactions
-- at once, so concurrent writers rarely share a stripe's row lock).
CREATE FUNCTION "job_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "job_counts" AS c ("workspace", "stripe", "jobs")
		SELECT "workspace", pg_backend_pid() % 32, count(*) * CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END
		FROM "changed_jobs" GROUP BY "workspace" ORDER BY "workspace"
	ON CONFLICT ("workspace", "stripe") DO UPDATE SET "jobs" = c."jobs" + excluded."jobs";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "job_counts_clear"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM "job_counts";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "jobs_counted_on_insert" AFTER INSERT ON "jobs" REFERENCING NEW TABLE AS "changed_jobs"
	FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "jobs_counted_on_delete" AFTER DELETE ON "jobs" REFERENCING OLD TABLE AS "changed_jobs"
	FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "jobs_counted_on_truncate" AFTER TRUNCATE ON "jobs"
	FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_clear"();
--> statement-breakpoint
-- The jobs already there; the triggers above hold the table's lock from here to the commit.
INSERT INTO "job_counts" ("workspace", "stripe", "jobs") SELECT "workspace", 0, count(*) FROM "jobs" GROUP BY "workspace";
