-- The Article 7 report joins every hazard area's version to its local id; this covering index lets it read the
-- ids by an index-only scan in id order instead of the heads, whose rows carry the remaining polygons.
CREATE INDEX hazard_area_local_id_idx ON hazard_area (id) INCLUDE (local_id);
