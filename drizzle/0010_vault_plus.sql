CREATE TABLE "vault_plus_media" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"environment" text NOT NULL,
	"connection_id" text NOT NULL,
	"media_id" text NOT NULL,
	"quality" text NOT NULL,
	"type" text NOT NULL,
	"duration" integer,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"source_url" text,
	"content_type" text,
	"size_bytes" bigint DEFAULT 0 NOT NULL,
	"content_hash" text,
	"access_count" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"due_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stored_at" timestamp with time zone,
	"last_accessed_at" timestamp with time zone,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vault_plus_url_keys" (
	"org_id" text PRIMARY KEY NOT NULL,
	"secret_blob" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "vault_plus_media" ADD CONSTRAINT "vault_plus_media_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vault_plus_url_keys" ADD CONSTRAINT "vault_plus_url_keys_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "vault_plus_media_item_idx" ON "vault_plus_media" USING btree ("org_id","environment","connection_id","media_id","quality");--> statement-breakpoint
CREATE INDEX "vault_plus_media_conn_idx" ON "vault_plus_media" USING btree ("org_id","environment","connection_id","status");--> statement-breakpoint
CREATE INDEX "vault_plus_media_due_idx" ON "vault_plus_media" USING btree ("due_at") WHERE "vault_plus_media"."due_at" is not null;--> statement-breakpoint
CREATE INDEX "vault_plus_media_hash_idx" ON "vault_plus_media" USING btree ("content_hash");