CREATE TABLE "client_app_logos" (
	"app_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"hash" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "client_apps" ADD COLUMN "display_name" text;--> statement-breakpoint
ALTER TABLE "client_apps" ADD COLUMN "brand_color" text;--> statement-breakpoint
ALTER TABLE "client_apps" ADD COLUMN "logo_hash" text;--> statement-breakpoint
ALTER TABLE "client_app_logos" ADD CONSTRAINT "client_app_logos_app_id_client_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."client_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "client_app_logos_hash_idx" ON "client_app_logos" USING btree ("hash");