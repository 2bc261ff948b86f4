-- The catalogue of what each workspace has tracked, from the events stored before it existed (from
-- then on the writers of events keep it, api/events/seen.ts). UTM values are not backfilled: they
-- are parsed from page view URLs in the application and gathered from new page views on.
INSERT INTO "seen_events" ("workspace_id", "name", "count", "last_seen_at")
SELECT "workspace_id", "name", count(*), max("occurred_at") FROM "events" GROUP BY "workspace_id", "name";
--> statement-breakpoint
INSERT INTO "seen_event_properties" ("workspace_id", "event", "property", "count", "last_seen_at")
SELECT e."workspace_id", e."name", k.key, count(*), max(e."occurred_at")
FROM "events" e CROSS JOIN LATERAL jsonb_object_keys(e."properties") AS k(key)
WHERE jsonb_typeof(e."properties") = 'object' AND length(k.key) <= 256
GROUP BY e."workspace_id", e."name", k.key;
