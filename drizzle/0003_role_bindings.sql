CREATE TABLE "role_bindings" (
	"workspace" text NOT NULL,
	"principal" text NOT NULL,
	"role" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	"granted_by" text NOT NULL,
	CONSTRAINT "role_bindings_workspace_principal_role_pk" PRIMARY KEY("workspace","principal","role")
);
--> statement-breakpoint
CREATE TABLE "role_bindings_revision" (
	"id" integer PRIMARY KEY NOT NULL,
	"revision" bigint NOT NULL,
	CONSTRAINT "role_bindings_revision_one_row" CHECK ("role_bindings_revision"."id" = 1)
);
--> statement-breakpoint
CREATE INDEX "role_bindings_principal_idx" ON "role_bindings" USING btree ("principal","workspace");