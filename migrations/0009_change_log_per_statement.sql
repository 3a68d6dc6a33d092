-- The registry's tables log their changes once per statement instead of once per row: one change_log row per
-- changed hazard area (DISTINCT) and one notification per statement. A bulk write of 10^5 rows used to write
-- 10^5 change_log rows and queue 10^5 notifications, more than half of its time. Readers see the same entities.
-- admin_unit and setting, written rarely and a few rows at a time, keep their row triggers.
CREATE FUNCTION log_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    -- TG_ARGV: the entity logged, the column of the changed rows (the transition table "changed") holding its id.
    EXECUTE format('INSERT INTO change_log (entity, entity_id) SELECT DISTINCT %L::text, %I FROM changed',
                   TG_ARGV[0], TG_ARGV[1]);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('landrelease_changes', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER hazard_area_changed ON hazard_area;
DROP TRIGGER hazard_area_version_changed ON hazard_area_version;
DROP TRIGGER land_release_changed ON land_release;
DROP TRIGGER land_release_version_changed ON land_release_version;

CREATE TRIGGER hazard_area_inserted AFTER INSERT ON hazard_area REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('hazard_area', 'id');
CREATE TRIGGER hazard_area_updated AFTER UPDATE ON hazard_area REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('hazard_area', 'id');
CREATE TRIGGER hazard_area_deleted AFTER DELETE ON hazard_area REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('hazard_area', 'id');
CREATE TRIGGER hazard_area_version_inserted AFTER INSERT ON hazard_area_version REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('hazard_area', 'hazard_id');
CREATE TRIGGER hazard_area_version_updated AFTER UPDATE ON hazard_area_version REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('hazard_area', 'hazard_id');
CREATE TRIGGER land_release_inserted AFTER INSERT ON land_release REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('land_release', 'hazard_id');
CREATE TRIGGER land_release_updated AFTER UPDATE ON land_release REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('land_release', 'hazard_id');
CREATE TRIGGER land_release_version_inserted AFTER INSERT ON land_release_version REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('land_release', 'hazard_id');
CREATE TRIGGER land_release_version_updated AFTER UPDATE ON land_release_version REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION log_changes('land_release', 'hazard_id');
