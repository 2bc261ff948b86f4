CREATE TABLE "edge_reach" (
	"segment_id" uuid NOT NULL,
	"day" date NOT NULL,
	"profile_id" uuid NOT NULL,
	"workspace_id" uuid NOT NULL,
	"last_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "edge_reach_segment_id_day_profile_id_pk" PRIMARY KEY("segment_id","day","profile_id")
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "context" jsonb;--> statement-breakpoint
ALTER TABLE "edge_reach" ADD CONSTRAINT "edge_reach_segment_id_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_reach" ADD CONSTRAINT "edge_reach_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_reach" ADD CONSTRAINT "edge_reach_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "edge_reach_profile_idx" ON "edge_reach" USING btree ("profile_id");--> statement-breakpoint
CREATE INDEX "edge_reach_day_idx" ON "edge_reach" USING btree ("day");