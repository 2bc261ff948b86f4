ALTER TABLE "audience_export_rows" DROP CONSTRAINT "audience_export_rows_export_id_audience_exports_id_fk";
--> statement-breakpoint
CREATE FUNCTION "ae_delete_audience_export_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "audience_export_rows" WHERE "export_id" = OLD."id";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "audience_exports_delete_rows" AFTER DELETE ON "audience_exports" FOR EACH ROW EXECUTE FUNCTION "ae_delete_audience_export_rows"();
