ALTER TABLE "segment_members" DROP CONSTRAINT "segment_members_segment_id_segments_id_fk";
--> statement-breakpoint
ALTER TABLE "segment_members" DROP CONSTRAINT "segment_members_profile_id_profiles_id_fk";
--> statement-breakpoint
ALTER TABLE "segment_members" DROP CONSTRAINT "segment_members_workspace_id_workspaces_id_fk";--> statement-breakpoint
-- segment_members has no foreign keys (their per-row checks cost four fifths of a membership
-- insert); these triggers are its cascades, row by row as a foreign key's would be (each delete reads
-- one range of an index): deleting a profile or a segment deletes its memberships in the same
-- statement. Deleting a workspace deletes its segments (foreign key), hence all its memberships.
CREATE FUNCTION "ae_delete_profile_memberships"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "segment_members" WHERE "profile_id" = OLD."id";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "profiles_delete_memberships" AFTER DELETE ON "profiles"
FOR EACH ROW EXECUTE FUNCTION "ae_delete_profile_memberships"();--> statement-breakpoint
CREATE FUNCTION "ae_delete_segment_memberships"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "segment_members" WHERE "segment_id" = OLD."id";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "segments_delete_memberships" AFTER DELETE ON "segments"
FOR EACH ROW EXECUTE FUNCTION "ae_delete_segment_memberships"();
