-- The Article 7 report reads every hazard area's version in force at a date and every release, on two clocks,
-- but none of their polygons. These covering indexes hold the columns it reads, so that it reads them by
-- index-only scans instead of the tables, whose rows carry the polygons: the versions in the order its
-- DISTINCT ON picks them (no sort), the releases by completion date (those up to a date, those in a period).
CREATE INDEX hazard_area_version_report_idx ON hazard_area_version (hazard_id, valid_from DESC, version DESC)
    INCLUDE (recorded_at, superseded_at, withdrawn, kind, contamination, status, status_reason, area_m2,
             releases_since, admin1_id, admin2_id);
CREATE INDEX land_release_version_report_idx ON land_release_version (completed_on)
    INCLUDE (hazard_id, release_id, recorded_at, superseded_at, withdrawn, method, area_m2, items_destroyed);
