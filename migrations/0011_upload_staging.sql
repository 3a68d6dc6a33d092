-- The new hazard areas of a submitted upload, checked and staged (geometry valid, area on the spheroid), so that
-- approval writes them without decoding and checking them again. Rows live while the upload is submitted; the
-- body as sent stays in upload.body_oid for good.
CREATE TABLE upload_staged_hazard (
    upload_id         bigint NOT NULL REFERENCES upload (id),
    ord               integer NOT NULL,  -- the feature's index in the upload
    local_id          text NOT NULL,
    kind              text NOT NULL,
    contamination     text NOT NULL,
    evidence_type     text NOT NULL,
    evidence_category text NOT NULL,
    devices           text[] NOT NULL,
    marking           text NOT NULL,
    priority          text NOT NULL,
    land_use          text NOT NULL,
    identified_on     date NOT NULL,
    organisation      text NOT NULL,
    status            text NOT NULL,
    status_reason     text NOT NULL,
    notes             text NOT NULL,
    geom              geometry(MultiPolygon, 4326) NOT NULL,
    area_m2           double precision NOT NULL,
    PRIMARY KEY (upload_id, ord)
);
