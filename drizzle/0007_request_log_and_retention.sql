CREATE TABLE "request_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"environment" text NOT NULL,
	"connection_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"status" integer NOT NULL,
	"upstream_status" integer,
	"duration_ms" integer NOT NULL,
	"retries" integer NOT NULL,
	"request_id" text NOT NULL,
	"api_key_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"due_at" timestamp with time zone,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "environment" text;--> statement-breakpoint
CREATE INDEX "request_log_connection_idx" ON "request_log" USING btree ("connection_id","created_at","id");--> statement-breakpoint
CREATE INDEX "request_log_created_brin" ON "request_log" USING brin ("created_at");--> statement-breakpoint
CREATE INDEX "webhook_messages_created_idx" ON "webhook_messages" USING btree ("created_at");