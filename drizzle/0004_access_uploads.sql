CREATE TABLE "access_uploads" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"environment" text NOT NULL,
	"connection_id" text NOT NULL,
	"content_type" text NOT NULL,
	"filename" text NOT NULL,
	"size" bigint NOT NULL,
	"part_size" bigint NOT NULL,
	"part_count" integer NOT NULL,
	"upstream_upload_id" text,
	"part_urls" jsonb,
	"etags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "access_uploads_scope_idx" ON "access_uploads" USING btree ("org_id","environment","connection_id");--> statement-breakpoint
CREATE INDEX "access_uploads_expiry_idx" ON "access_uploads" USING btree ("expires_at");