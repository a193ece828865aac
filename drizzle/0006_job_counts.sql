CREATE TABLE "job_counts" (
	"workspace" text NOT NULL,
	"stripe" integer NOT NULL,
	"jobs" bigint NOT NULL,
	CONSTRAINT "job_counts_workspace_stripe_pk" PRIMARY KEY("workspace","stripe")
);
--> statement-breakpoint
-- Creates and deletes keep job_counts, on the stripe of the connection that writes (one connection
-- never runs two transactions at once, so concurrent writers rarely share a stripe's row lock).
-- A row trigger: for the one row a create inserts it costs PostgreSQL less than a statement
-- trigger's transition table.
CREATE FUNCTION "job_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO "job_counts" AS c ("workspace", "stripe", "jobs") VALUES (NEW."workspace", pg_backend_pid() % 32, 1)
		ON CONFLICT ("workspace", "stripe") DO UPDATE SET "jobs" = c."jobs" + 1;
	ELSE
		INSERT INTO "job_counts" AS c ("workspace", "stripe", "jobs") VALUES (OLD."workspace", pg_backend_pid() % 32, -1)
		ON CONFLICT ("workspace", "stripe") DO UPDATE SET "jobs" = c."jobs" - 1;
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "job_counts_clear"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM "job_counts";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "jobs_counted" AFTER INSERT OR DELETE ON "jobs" FOR EACH ROW EXECUTE FUNCTION "job_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "jobs_counted_on_truncate" AFTER TRUNCATE ON "jobs"
	FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_clear"();
--> statement-breakpoint
-- The jobs already there; the triggers above hold the table's lock from here to the commit.
INSERT INTO "job_counts" ("workspace", "stripe", "jobs") SELECT "workspace", 0, count(*) FROM "jobs" GROUP BY "workspace";
