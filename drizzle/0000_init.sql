CREATE TABLE "job_status_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"job_id" text NOT NULL,
	"workspace" text NOT NULL,
	"job_name" text NOT NULL,
	"status" text NOT NULL,
	"previous_status" text,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_steps" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"executor" json NOT NULL,
	"environment" json,
	"config" json,
	"lifecycle" json,
	"status" text NOT NULL,
	"status_details" json DEFAULT '{}'::json NOT NULL,
	"error_details" json,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace" text NOT NULL,
	"name" text NOT NULL,
	"attempt_id" text NOT NULL,
	"project" text,
	"description" text,
	"source" text NOT NULL,
	"spec" json NOT NULL,
	"status" text NOT NULL,
	"status_details" json DEFAULT '{}'::json NOT NULL,
	"error_details" json,
	"ownership" json DEFAULT '{}'::json NOT NULL,
	"custom_fields" json DEFAULT '{}'::json NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_steps" ADD CONSTRAINT "job_steps_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_status_events_xid_id_idx" ON "job_status_events" USING btree ("xid","id");--> statement-breakpoint
CREATE INDEX "job_status_events_job_idx" ON "job_status_events" USING btree ("job_id","xid","id");--> statement-breakpoint
CREATE INDEX "job_status_events_workspace_idx" ON "job_status_events" USING btree ("workspace","xid","id");--> statement-breakpoint
CREATE UNIQUE INDEX "job_steps_job_position_key" ON "job_steps" USING btree ("job_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "job_steps_job_name_key" ON "job_steps" USING btree ("job_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_workspace_name_key" ON "jobs" USING btree ("workspace","name");--> statement-breakpoint
CREATE INDEX "jobs_workspace_created_at_idx" ON "jobs" USING btree ("workspace","created_at","id");