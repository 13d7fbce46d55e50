CREATE TABLE "link_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "link_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" text NOT NULL,
	"environment" text NOT NULL,
	"client_app_id" text NOT NULL,
	"link_session_id" text NOT NULL,
	"name" text NOT NULL,
	"step" text,
	"error_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "link_events" ADD CONSTRAINT "link_events_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_events" ADD CONSTRAINT "link_events_client_app_id_client_apps_id_fk" FOREIGN KEY ("client_app_id") REFERENCES "public"."client_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_events" ADD CONSTRAINT "link_events_link_session_id_link_sessions_id_fk" FOREIGN KEY ("link_session_id") REFERENCES "public"."link_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_events_session_idx" ON "link_events" USING btree ("link_session_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "link_events_once_uq" ON "link_events" USING btree ("link_session_id","name") WHERE name in ('opened', 'consent_accepted', 'success');