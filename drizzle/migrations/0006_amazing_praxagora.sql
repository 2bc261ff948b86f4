CREATE TABLE "profile_export_identifiers" (
	"profile_id" uuid PRIMARY KEY NOT NULL,
	"email_sha256" text,
	"meta_phone" text,
	"meta_fn" text,
	"meta_ln" text,
	"meta_ct" text,
	"meta_st" text,
	"meta_zip" text,
	"meta_country" text,
	"madid" text,
	"google_email" text,
	"phone_e164_sha256" text,
	"google_fn" text,
	"google_ln" text,
	"google_country" text,
	"google_zip" text,
	"meta_ok" boolean NOT NULL,
	"google_ok" boolean NOT NULL,
	"meta_invalid" text[] NOT NULL,
	"google_invalid" text[] NOT NULL,
	"generic_invalid" text[] NOT NULL
);
--> statement-breakpoint
DROP INDEX "audience_export_rows_sent_idx";--> statement-breakpoint
ALTER TABLE "audience_export_rows" DROP CONSTRAINT "audience_export_rows_export_id_profile_id_pk";--> statement-breakpoint
ALTER TABLE "audience_export_rows" ADD CONSTRAINT "audience_export_rows_export_id_profile_id_action_pk" PRIMARY KEY("export_id","profile_id","action");--> statement-breakpoint
ALTER TABLE "audience_export_rows" ADD COLUMN "line" text;--> statement-breakpoint
ALTER TABLE "profile_export_identifiers" ADD CONSTRAINT "profile_export_identifiers_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audience_export_rows_sent_idx" ON "audience_export_rows" USING btree ("export_id","profile_id","action") WHERE "audience_export_rows"."sent";--> statement-breakpoint
CREATE FUNCTION "ae_profile_export_identifiers_stale"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "profile_export_identifiers" WHERE "profile_id" = NEW."id";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "profiles_export_identifiers_stale" AFTER UPDATE OF "external_id", "email", "phone", "first_name", "last_name", "city", "region", "postal_code", "country", "madid" ON "profiles"
FOR EACH ROW WHEN ((OLD."external_id", OLD."email", OLD."phone", OLD."first_name", OLD."last_name", OLD."city", OLD."region", OLD."postal_code", OLD."country", OLD."madid")
  IS DISTINCT FROM (NEW."external_id", NEW."email", NEW."phone", NEW."first_name", NEW."last_name", NEW."city", NEW."region", NEW."postal_code", NEW."country", NEW."madid"))
EXECUTE FUNCTION "ae_profile_export_identifiers_stale"();
