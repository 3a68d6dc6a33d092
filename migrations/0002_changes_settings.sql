-- change_log records every change of the registry, whoever makes it (the service or SQL typed by hand), and
-- announces it on the channel landrelease_changes. Readers that cache (reports) or index (the spatial index)
-- compare the latest id with theirs and replay what they missed.
CREATE TABLE change_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    entity    text NOT NULL,   -- hazard_area, land_release, admin_unit, setting
    entity_id bigint           -- hazard_area.id for hazard areas and their releases, admin_unit.id, NULL for settings
);

CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
    new_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        eid := CASE TG_TABLE_NAME WHEN 'setting' THEN NULL ELSE OLD.id END;
    ELSIF TG_TABLE_NAME IN ('hazard_area_version', 'land_release_version', 'land_release') THEN
        eid := NEW.hazard_id;
    ELSIF TG_TABLE_NAME = 'setting' THEN
        eid := NULL;
    ELSE
        eid := NEW.id;
    END IF;
    INSERT INTO change_log (entity, entity_id)
    VALUES (CASE WHEN TG_TABLE_NAME IN ('hazard_area_version') THEN 'hazard_area'
                 WHEN TG_TABLE_NAME IN ('land_release', 'land_release_version') THEN 'land_release'
                 ELSE TG_TABLE_NAME END, eid)
    RETURNING id INTO new_id;
    PERFORM pg_notify('landrelease_changes', new_id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER hazard_area_changed AFTER INSERT OR UPDATE OR DELETE ON hazard_area
    FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER hazard_area_version_changed AFTER INSERT OR UPDATE ON hazard_area_version
    FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER land_release_changed AFTER INSERT OR UPDATE ON land_release
    FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER land_release_version_changed AFTER INSERT OR UPDATE ON land_release_version
    FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER admin_unit_changed AFTER INSERT OR UPDATE OR DELETE ON admin_unit
    FOR EACH ROW EXECUTE FUNCTION log_change();

-- setting holds the registry's settings: the State's name, the Convention's entry into force for it.
CREATE TABLE setting (
    key        text PRIMARY KEY CHECK (key IN ('state_name', 'entry_into_force')),
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER setting_changed AFTER INSERT OR UPDATE OR DELETE ON setting
    FOR EACH ROW EXECUTE FUNCTION log_change();
