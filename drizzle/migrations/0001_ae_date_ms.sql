-- ae_date_ms(text): epoch milliseconds of an ISO 8601 date or date-time of the rule language, or NULL.
-- Mirrors schema/dates.ts parseIsoDate exactly (shape, calendar checks, millisecond truncation on the
-- digits, offsets), so the SQL profile evaluator reads trait dates as the reference evaluator does.
CREATE OR REPLACE FUNCTION ae_date_ms(t text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  m text[];
  y int; mo int; d int;
  h int := 0; mi int := 0; s int := 0; ms int := 0; off int := 0;
  oh int; om int; zone text;
BEGIN
  IF t IS NULL OR length(t) > 40 THEN RETURN NULL; END IF;
  m := regexp_match(t, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$');
  IF m IS NULL THEN RETURN NULL; END IF;
  y := m[1]::int; mo := m[2]::int; d := m[3]::int;
  IF y < 1 OR mo < 1 OR mo > 12 OR d < 1 THEN RETURN NULL; END IF;
  IF d > extract(day FROM (make_date(y, mo, 1) + interval '1 month' - interval '1 day'))::int THEN RETURN NULL; END IF;
  IF m[4] IS NOT NULL THEN h := m[4]::int; mi := m[5]::int; END IF;
  IF m[6] IS NOT NULL THEN s := m[6]::int; END IF;
  IF h > 23 OR mi > 59 OR s > 59 THEN RETURN NULL; END IF;
  IF m[7] IS NOT NULL THEN ms := substr(m[7] || '00', 1, 3)::int; END IF;
  zone := m[8];
  IF zone IS NOT NULL AND zone <> 'Z' THEN
    oh := substr(replace(zone, ':', ''), 2, 2)::int;
    om := substr(replace(zone, ':', ''), 4, 2)::int;
    IF oh > 23 OR om > 59 THEN RETURN NULL; END IF;
    off := (CASE WHEN left(zone, 1) = '-' THEN -1 ELSE 1 END) * (oh * 60 + om);
  END IF;
  RETURN (make_date(y, mo, d) - date '1970-01-01')::double precision * 86400000
    + h * 3600000 + mi * 60000 + s * 1000 + ms - off * 60000;
END
$$;
