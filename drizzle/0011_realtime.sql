CREATE TABLE "realtime_frames" (
	"connection_id" text NOT NULL,
	"frame_key" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "realtime_frames_connection_id_frame_key_pk" PRIMARY KEY("connection_id","frame_key")
);
--> statement-breakpoint
CREATE TABLE "realtime_sockets" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"environment" text NOT NULL,
	"due_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"worker_id" text,
	"connected_at" timestamp with time zone,
	"last_frame_at" timestamp with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "realtime_frames_received_idx" ON "realtime_frames" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "realtime_sockets_due_idx" ON "realtime_sockets" USING btree ("due_at") WHERE due_at is not null;--> statement-breakpoint
CREATE INDEX "realtime_sockets_org_idx" ON "realtime_sockets" USING btree ("org_id");