CREATE TABLE "sandbox_account_areas" (
	"seed" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"area" text NOT NULL,
	"shape_version" integer NOT NULL,
	"state" "bytea" NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_account_areas_seed_user_id_area_pk" PRIMARY KEY("seed","user_id","area")
);
--> statement-breakpoint
CREATE TABLE "sandbox_faults" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"remaining" integer,
	"probability" double precision NOT NULL,
	"path_prefix" text NOT NULL,
	"latency_ms" integer NOT NULL,
	"retry_after_seconds" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_meta" (
	"seed" integer PRIMARY KEY NOT NULL,
	"anchor_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_rules" (
	"seed" integer PRIMARY KEY NOT NULL,
	"current" jsonb NOT NULL,
	"previous" jsonb,
	"rotated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_sessions" (
	"sess_hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"email" text,
	"user_id" bigint,
	"x_bc" text NOT NULL,
	"user_agent" text NOT NULL,
	"fp" text,
	"auth_uid" text,
	"csrf" text,
	"ip" text,
	"challenge" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "sandbox_sessions_user_idx" ON "sandbox_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sandbox_sessions_kind_created_idx" ON "sandbox_sessions" USING btree ("kind","created_at");