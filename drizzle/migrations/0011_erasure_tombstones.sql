CREATE TABLE "profile_tombstones" (
	"workspace_id" uuid NOT NULL,
	"external_id_hmac" text NOT NULL,
	"erased_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "profile_tombstones_workspace_id_external_id_hmac_pk" PRIMARY KEY("workspace_id","external_id_hmac")
);
--> statement-breakpoint
CREATE TABLE "export_erasure_removals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"segment_id" uuid NOT NULL,
	"destination" "export_destination" NOT NULL,
	"cells" text NOT NULL,
	"carried_by" uuid
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP TABLE "profile_erasures" CASCADE;--> statement-breakpoint
ALTER TABLE "profile_tombstones" ADD CONSTRAINT "profile_tombstones_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_erasure_removals" ADD CONSTRAINT "export_erasure_removals_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_erasure_removals" ADD CONSTRAINT "export_erasure_removals_segment_id_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_erasure_removals" ADD CONSTRAINT "export_erasure_removals_carried_by_audience_exports_id_fk" FOREIGN KEY ("carried_by") REFERENCES "public"."audience_exports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "export_erasure_removals_chain_idx" ON "export_erasure_removals" USING btree ("segment_id","destination");