CREATE TABLE "job_results" (
	"job_id" text NOT NULL,
	"name" text NOT NULL,
	"artifact_url" text NOT NULL,
	"artifact_storage_type" text NOT NULL,
	"file" text,
	"size" bigint,
	"content_type" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "job_results_job_id_name_pk" PRIMARY KEY("job_id","name")
);
--> statement-breakpoint
CREATE TABLE "job_step_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"step_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"status_details" json DEFAULT '{}'::json NOT NULL,
	"error_details" json,
	"error_stack" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_by" text
);
--> statement-breakpoint
ALTER TABLE "job_results" ADD CONSTRAINT "job_results_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_step_tasks" ADD CONSTRAINT "job_step_tasks_step_id_job_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."job_steps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "job_step_tasks_step_name_key" ON "job_step_tasks" USING btree ("step_id","name");