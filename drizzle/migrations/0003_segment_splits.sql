CREATE TABLE "segment_splits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"segment_id" uuid NOT NULL,
	"name" text NOT NULL,
	"variants" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segment_splits_segment_name_uq" UNIQUE("segment_id","name")
);
--> statement-breakpoint
ALTER TABLE "segment_splits" ADD CONSTRAINT "segment_splits_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segment_splits" ADD CONSTRAINT "segment_splits_segment_id_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- ae_split_hash(text): 32-bit FNV-1a of the UTF-8 bytes, as a bigint in [0, 2^32). The SQL twin of
-- schema/split.ts fnv1a32, so members can be counted per variant in SQL exactly as the API and the
-- edge assign them (test/api/analytics/split-sql.test.ts proves the two agree).
CREATE OR REPLACE FUNCTION ae_split_hash(t text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  bytes bytea := convert_to(t, 'UTF8');
  h bigint := 2166136261;
  i int;
BEGIN
  FOR i IN 0 .. length(bytes) - 1 LOOP
    h := ((h # get_byte(bytes, i)) * 16777619) % 4294967296;
  END LOOP;
  RETURN h;
END
$$;
