-- The registry: gazetteer, accounts, audit trail, hazard areas and land releases, versioned on two clocks.
-- Field time: valid_from / identified_on / completed_on (dates on the ground).
-- Record time: recorded_at .. superseded_at (when the registry knew a version).

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE admin_unit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    level       smallint NOT NULL CHECK (level IN (1, 2)),
    code        text NOT NULL,
    name        text NOT NULL,
    parent_code text,
    properties  jsonb NOT NULL DEFAULT '{}',
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    imported_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (level, code)
);
CREATE INDEX admin_unit_geom_idx ON admin_unit USING gist (geom);

-- admin_unit_for returns the admin unit of level lvl that g overlaps most; where g falls in a gap
-- between units (real gazetteers have them) the nearest unit; NULL when the level is empty.
CREATE FUNCTION admin_unit_for(g geometry, lvl smallint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH c AS (
        SELECT id, geom FROM admin_unit
        WHERE level = lvl AND geom && g AND ST_Intersects(geom, g)
    ), n AS (SELECT count(*) AS n FROM c)
    SELECT id FROM (
        SELECT c.id, 0 AS pass,
               CASE WHEN n.n = 1 THEN 0
                    ELSE -ST_Area(ST_Intersection(c.geom, g)::geography) END AS score
        FROM c, n
        UNION ALL
        (SELECT id, 1, ST_Distance(geom, g) FROM admin_unit WHERE level = lvl ORDER BY geom <-> g LIMIT 1)
    ) s
    ORDER BY pass, score, id
    LIMIT 1
$$;

CREATE TABLE app_user (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    role       text NOT NULL CHECK (role IN ('field_team', 'data_manager', 'reporting_officer', 'administrator')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- API tokens are kept only as SHA-256 hashes of 256-bit random secrets.
CREATE TABLE api_token (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id),
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- The audit trail is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    action   text NOT NULL,
    entity   text NOT NULL,
    local_id text,
    version  integer,
    detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, local_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- hazard_area is the identity of a hazard area and its current derived state (remaining polygon).
CREATE TABLE hazard_area (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    local_id          text NOT NULL UNIQUE,
    version           integer NOT NULL,         -- number of the latest version recorded
    remaining_geom    geometry(MultiPolygon, 4326) NOT NULL,
    remaining_area_m2 double precision NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hazard_area_remaining_idx ON hazard_area USING gist (remaining_geom);

-- A new version with valid_from V supersedes (in record time) every known version with valid_from >= V.
-- is_current marks, per hazard area, the known version with the latest valid_from.
CREATE TABLE hazard_area_version (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hazard_id      bigint NOT NULL REFERENCES hazard_area (id),
    version        integer NOT NULL,
    valid_from     date NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    superseded_at  timestamptz,
    is_current     boolean NOT NULL,
    recorded_by    text NOT NULL,
    reason         text NOT NULL DEFAULT '',
    withdrawn      boolean NOT NULL DEFAULT false,
    kind           text NOT NULL CHECK (kind IN ('SHA', 'CHA')),
    contamination  text NOT NULL CHECK (contamination IN ('cmr', 'other', 'mixed')),
    evidence_type  text NOT NULL CHECK (evidence_type IN ('direct', 'indirect')),
    evidence_category text NOT NULL DEFAULT '',
    devices        text[] NOT NULL DEFAULT '{}',
    marking        text NOT NULL CHECK (marking IN ('none', 'marked', 'fenced')),
    priority       text NOT NULL DEFAULT '',
    land_use       text NOT NULL DEFAULT '',
    identified_on  date NOT NULL,
    organisation   text NOT NULL,
    status         text NOT NULL CHECK (status IN ('open', 'closed')),
    status_reason  text NOT NULL DEFAULT '',
    releases_since date,
    notes          text NOT NULL DEFAULT '',
    geom           geometry(MultiPolygon, 4326) NOT NULL,
    area_m2        double precision NOT NULL,
    admin1_id      bigint REFERENCES admin_unit (id),
    admin2_id      bigint REFERENCES admin_unit (id),
    UNIQUE (hazard_id, version),
    CHECK (superseded_at IS NULL OR NOT is_current)
);
CREATE UNIQUE INDEX hazard_area_version_current_idx ON hazard_area_version (hazard_id) WHERE is_current;
CREATE INDEX hazard_area_version_known_idx ON hazard_area_version (hazard_id, valid_from) WHERE superseded_at IS NULL;
CREATE INDEX hazard_area_version_time_idx ON hazard_area_version (hazard_id, recorded_at, valid_from);
CREATE INDEX hazard_area_version_current_geom_idx ON hazard_area_version USING gist (geom) WHERE is_current;
CREATE INDEX hazard_area_version_geom_idx ON hazard_area_version USING gist (geom);
CREATE INDEX hazard_area_version_admin1_idx ON hazard_area_version (admin1_id) WHERE is_current;
CREATE INDEX hazard_area_version_admin2_idx ON hazard_area_version (admin2_id) WHERE is_current;

CREATE TABLE land_release (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    local_id   text NOT NULL UNIQUE,
    hazard_id  bigint NOT NULL REFERENCES hazard_area (id),
    version    integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX land_release_hazard_idx ON land_release (hazard_id);

-- Release versions are corrections in record time: the known version is the one not superseded.
CREATE TABLE land_release_version (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id      bigint NOT NULL REFERENCES land_release (id),
    hazard_id       bigint NOT NULL REFERENCES hazard_area (id),
    version         integer NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    superseded_at   timestamptz,
    recorded_by     text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    withdrawn       boolean NOT NULL DEFAULT false,
    method          text NOT NULL CHECK (method IN ('cancelled', 'reduced', 'cleared')),
    completed_on    date NOT NULL,
    organisation    text NOT NULL,
    criteria        text NOT NULL DEFAULT '',
    depth_cm        integer CHECK (depth_cm >= 0),
    items_destroyed jsonb NOT NULL DEFAULT '{}',
    geom            geometry(MultiPolygon, 4326) NOT NULL,
    area_m2         double precision NOT NULL,
    UNIQUE (release_id, version)
);
CREATE UNIQUE INDEX land_release_version_known_idx ON land_release_version (release_id) WHERE superseded_at IS NULL;
CREATE INDEX land_release_version_hazard_idx ON land_release_version (hazard_id, completed_on) WHERE superseded_at IS NULL;
CREATE INDEX land_release_version_time_idx ON land_release_version (hazard_id, recorded_at);
CREATE INDEX land_release_version_geom_idx ON land_release_version USING gist (geom) WHERE superseded_at IS NULL;
