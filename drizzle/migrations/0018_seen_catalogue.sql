CREATE TABLE "seen_event_properties" (
	"workspace_id" uuid NOT NULL,
	"event" text NOT NULL,
	"property" text NOT NULL,
	"count" bigint NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "seen_event_properties_pk" PRIMARY KEY("workspace_id","event","property")
);
--> statement-breakpoint
CREATE TABLE "seen_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"count" bigint NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "seen_events_workspace_name_uq" UNIQUE("workspace_id","name")
);
--> statement-breakpoint
CREATE TABLE "seen_values" (
	"workspace_id" uuid NOT NULL,
	"attr" text NOT NULL,
	"value" text NOT NULL,
	"count" bigint NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "seen_values_pk" PRIMARY KEY("workspace_id","attr","value")
);
--> statement-breakpoint
ALTER TABLE "seen_event_properties" ADD CONSTRAINT "seen_event_properties_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seen_events" ADD CONSTRAINT "seen_events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seen_values" ADD CONSTRAINT "seen_values_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "seen_events_listing_idx" ON "seen_events" USING btree ("workspace_id","created_at","id");