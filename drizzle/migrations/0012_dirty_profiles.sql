CREATE TABLE "dirty_profiles" (
	"workspace_id" uuid NOT NULL,
	"profile_id" uuid NOT NULL,
	"since" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dirty_profiles_workspace_id_profile_id_pk" PRIMARY KEY("workspace_id","profile_id")
);
--> statement-breakpoint
CREATE INDEX "dirty_profiles_since_idx" ON "dirty_profiles" USING btree ("workspace_id","since");