-- Staged hazard areas are a cache of checks: after a crash PostgreSQL empties an unlogged table, and approval
-- then checks and writes the upload from its body again (UploadService.approve compares the counts). Not
-- writing them to the WAL saves a copy of every staged polygon.
ALTER TABLE upload_staged_hazard SET UNLOGGED;

-- upload_incoming receives the new hazard areas of an upload by COPY, as sent (WKB), for PostGIS to check them
-- with parallel workers (which cannot read a temporary table). Each transaction sees only the rows it inserted
-- (they are never committed: it deletes them once checked), so concurrent uploads do not meet here.
CREATE UNLOGGED TABLE upload_incoming (
    ord               integer NOT NULL,
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
    wkb               bytea NOT NULL
);
