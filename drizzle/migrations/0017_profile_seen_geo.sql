ALTER TABLE "profiles" ADD COLUMN "seen_country" text;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "seen_region" text;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "seen_city" text;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "seen_postal_code" text;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "seen_continent" text;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "seen_timezone" text;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "geo_seen_at" timestamp (3) with time zone;