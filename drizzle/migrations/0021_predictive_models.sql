CREATE TABLE "model_fits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"model" text NOT NULL,
	"fitted_at" timestamp (3) with time zone NOT NULL,
	"calibration_end" date NOT NULL,
	"parameters" jsonb,
	"standard_errors" jsonb,
	"log_likelihood" double precision,
	"sample_size" integer NOT NULL,
	"converged" boolean NOT NULL,
	"failure_reason" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "profile_predictions" (
	"profile_id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"p_alive" double precision NOT NULL,
	"expected_purchases_30d" double precision NOT NULL,
	"expected_purchases_90d" double precision NOT NULL,
	"expected_purchases_365d" double precision NOT NULL,
	"purchase_probability_30d" double precision NOT NULL,
	"expected_average_spend" double precision,
	"clv_365d" double precision,
	"fitted_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_fits" ADD CONSTRAINT "model_fits_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profile_predictions" ADD CONSTRAINT "profile_predictions_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profile_predictions" ADD CONSTRAINT "profile_predictions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_fits_workspace_model_idx" ON "model_fits" USING btree ("workspace_id","model","fitted_at");--> statement-breakpoint
CREATE INDEX "profile_predictions_workspace_idx" ON "profile_predictions" USING btree ("workspace_id");