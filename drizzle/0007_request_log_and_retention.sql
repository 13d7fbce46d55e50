CREATE TABLE "request_log_batches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"environment" text NOT NULL,
	"connection_id" text NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"entry_count" integer NOT NULL,
	"entries" json NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"due_at" timestamp with time zone,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "environment" text;--> statement-breakpoint
CREATE INDEX "request_log_batches_connection_idx" ON "request_log_batches" USING btree ("connection_id","last_at","id");--> statement-breakpoint
CREATE INDEX "request_log_batches_last_brin" ON "request_log_batches" USING brin ("last_at");--> statement-breakpoint
CREATE INDEX "webhook_messages_created_idx" ON "webhook_messages" USING btree ("created_at");