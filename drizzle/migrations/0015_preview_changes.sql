CREATE TABLE "preview_changes" (
	"workspace_id" uuid NOT NULL,
	"profile_id" uuid NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "preview_watches" (
	"workspace_id" uuid NOT NULL,
	"holder" text NOT NULL,
	"until" timestamp (3) with time zone NOT NULL,
	"horizon" "xid8" NOT NULL,
	CONSTRAINT "preview_watches_workspace_id_holder_pk" PRIMARY KEY("workspace_id","holder")
);
--> statement-breakpoint
CREATE INDEX "preview_changes_workspace_xid_idx" ON "preview_changes" USING btree ("workspace_id","xid");--> statement-breakpoint
-- Statement triggers with transition tables: one insert per write statement, and nothing at all
-- (one probe of an empty or tiny table) while no process watches the workspace.
CREATE FUNCTION ae_preview_log_profiles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO preview_changes (workspace_id, profile_id)
    SELECT DISTINCT r.workspace_id, r.id FROM ae_old_rows r
    WHERE r.workspace_id IN (SELECT w.workspace_id FROM preview_watches w WHERE w.until > now());
  ELSE
    INSERT INTO preview_changes (workspace_id, profile_id)
    SELECT DISTINCT r.workspace_id, r.id FROM ae_new_rows r
    WHERE r.workspace_id IN (SELECT w.workspace_id FROM preview_watches w WHERE w.until > now());
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION ae_preview_log_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO preview_changes (workspace_id, profile_id)
    SELECT DISTINCT r.workspace_id, r.profile_id FROM ae_old_rows r
    WHERE r.workspace_id IN (SELECT w.workspace_id FROM preview_watches w WHERE w.until > now());
  ELSIF TG_OP = 'UPDATE' THEN
    -- An event moved to another profile changes both.
    INSERT INTO preview_changes (workspace_id, profile_id)
    SELECT DISTINCT x.workspace_id, x.profile_id
    FROM (SELECT workspace_id, profile_id FROM ae_new_rows UNION SELECT workspace_id, profile_id FROM ae_old_rows) x
    WHERE x.workspace_id IN (SELECT w.workspace_id FROM preview_watches w WHERE w.until > now());
  ELSE
    INSERT INTO preview_changes (workspace_id, profile_id)
    SELECT DISTINCT r.workspace_id, r.profile_id FROM ae_new_rows r
    WHERE r.workspace_id IN (SELECT w.workspace_id FROM preview_watches w WHERE w.until > now());
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER profiles_preview_insert AFTER INSERT ON profiles REFERENCING NEW TABLE AS ae_new_rows FOR EACH STATEMENT EXECUTE FUNCTION ae_preview_log_profiles();
--> statement-breakpoint
CREATE TRIGGER profiles_preview_update AFTER UPDATE ON profiles REFERENCING NEW TABLE AS ae_new_rows FOR EACH STATEMENT EXECUTE FUNCTION ae_preview_log_profiles();
--> statement-breakpoint
CREATE TRIGGER profiles_preview_delete AFTER DELETE ON profiles REFERENCING OLD TABLE AS ae_old_rows FOR EACH STATEMENT EXECUTE FUNCTION ae_preview_log_profiles();
--> statement-breakpoint
CREATE TRIGGER events_preview_insert AFTER INSERT ON events REFERENCING NEW TABLE AS ae_new_rows FOR EACH STATEMENT EXECUTE FUNCTION ae_preview_log_events();
--> statement-breakpoint
CREATE TRIGGER events_preview_update AFTER UPDATE ON events REFERENCING NEW TABLE AS ae_new_rows OLD TABLE AS ae_old_rows FOR EACH STATEMENT EXECUTE FUNCTION ae_preview_log_events();
--> statement-breakpoint
CREATE TRIGGER events_preview_delete AFTER DELETE ON events REFERENCING OLD TABLE AS ae_old_rows FOR EACH STATEMENT EXECUTE FUNCTION ae_preview_log_events();
