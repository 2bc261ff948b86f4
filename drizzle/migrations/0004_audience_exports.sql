CREATE TYPE "public"."export_destination" AS ENUM('META', 'GOOGLE', 'GENERIC');--> statement-breakpoint
CREATE TYPE "public"."export_format" AS ENUM('CSV', 'JSONL');--> statement-breakpoint
CREATE TYPE "public"."export_mode" AS ENUM('FULL', 'DELTA');--> statement-breakpoint
CREATE TYPE "public"."export_row_action" AS ENUM('add', 'remove');--> statement-breakpoint
CREATE TYPE "public"."export_status" AS ENUM('queued', 'running', 'done', 'failed');--> statement-breakpoint
CREATE TABLE "audience_export_rows" (
	"export_id" uuid NOT NULL,
	"profile_id" uuid NOT NULL,
	"action" "export_row_action" NOT NULL,
	"sent" boolean NOT NULL,
	"cells" text NOT NULL,
	"joined_at" timestamp (3) with time zone,
	CONSTRAINT "audience_export_rows_export_id_profile_id_pk" PRIMARY KEY("export_id","profile_id")
);
--> statement-breakpoint
CREATE TABLE "audience_exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"segment_id" uuid NOT NULL,
	"destination" "export_destination" NOT NULL,
	"format" "export_format" NOT NULL,
	"mode" "export_mode" NOT NULL,
	"status" "export_status" DEFAULT 'queued' NOT NULL,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"rows_total" integer DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	"skipped_invalid" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"previous_export_id" uuid,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "audience_export_rows" ADD CONSTRAINT "audience_export_rows_export_id_audience_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."audience_exports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audience_exports" ADD CONSTRAINT "audience_exports_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audience_exports" ADD CONSTRAINT "audience_exports_segment_id_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audience_exports" ADD CONSTRAINT "audience_exports_previous_export_id_audience_exports_id_fk" FOREIGN KEY ("previous_export_id") REFERENCES "public"."audience_exports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audience_export_rows_sent_idx" ON "audience_export_rows" USING btree ("export_id","profile_id") WHERE "audience_export_rows"."sent";--> statement-breakpoint
CREATE INDEX "audience_exports_previous_idx" ON "audience_exports" USING btree ("workspace_id","segment_id","destination","finished_at");--> statement-breakpoint
CREATE UNIQUE INDEX "audience_exports_one_active_uq" ON "audience_exports" USING btree ("segment_id","destination") WHERE "audience_exports"."status" in ('queued', 'running');