-- area_m2 is the registry's one rule for an area: on the WGS 84 spheroid, in square metres. Every writer
-- (a single write, an upload, the bulk loader of the tests) computes hazard, remaining and release areas with it.
-- A plain SQL expression, so that PostgreSQL inlines it: no cost over calling ST_Area.
CREATE FUNCTION area_m2(g geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ST_Area(g::geography) $$;

-- admin_unit_for is replaced by one set-based query written in the service (postgres.AdminUnitsOf), which every
-- writer uses, one geometry or 10^5 at a time.
DROP FUNCTION admin_unit_for(geometry, smallint);
