-- admin_unit_for, same answers, faster: the nearest unit (for a geometry in a gap between units) is looked up
-- only when no unit intersects the geometry, instead of measuring the distance to a whole province on every call.
CREATE OR REPLACE FUNCTION admin_unit_for(g geometry, lvl smallint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH c AS MATERIALIZED (
        SELECT id, geom FROM admin_unit
        WHERE level = lvl AND geom && g AND ST_Intersects(geom, g)
    )
    SELECT coalesce(
        (SELECT id FROM c
         ORDER BY CASE WHEN (SELECT count(*) FROM c) = 1 THEN 0
                       ELSE -ST_Area(ST_Intersection(geom, g)::geography) END, id
         LIMIT 1),
        (SELECT id FROM admin_unit WHERE level = lvl ORDER BY geom <-> g LIMIT 1))
$$;
