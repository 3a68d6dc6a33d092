-- The work plan's data (Lausanne Action Plan Actions 19 and 20; docs/REPORTS.md, "Work plan"). Every row is a
-- version: a change supersedes the current row (superseded_at) and inserts the new one, so that a plan read as
-- recorded at an earlier time (as_of) finds the figures in force then.

-- What one team releases by a method in a year and what it costs. organisation '' is the national figure, year 0
-- holds for every year.
CREATE TABLE workplan_productivity (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    method             text NOT NULL CHECK (method IN ('cancelled', 'reduced', 'cleared')),
    organisation       text NOT NULL DEFAULT '',
    year               integer NOT NULL DEFAULT 0 CHECK (year = 0 OR year BETWEEN 1990 AND 2100),
    m2_per_team_year   bigint NOT NULL CHECK (m2_per_team_year > 0),
    cost_per_m2        double precision NOT NULL DEFAULT 0 CHECK (cost_per_m2 >= 0 AND cost_per_m2 < 'Infinity'),
    cost_per_team_year double precision NOT NULL DEFAULT 0 CHECK (cost_per_team_year >= 0 AND cost_per_team_year < 'Infinity'),
    note               text NOT NULL DEFAULT '',
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    recorded_by        text NOT NULL,
    superseded_at      timestamptz -- NULL while current; a removal sets it without a successor (the audit trail says who)
);
CREATE UNIQUE INDEX workplan_productivity_current_idx ON workplan_productivity (method, organisation, year)
    WHERE superseded_at IS NULL;

-- The method mix a data manager sets for a kind in place of the one measured from the registry's history.
CREATE TABLE workplan_mix (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('SHA', 'CHA')),
    cancelled_share double precision NOT NULL CHECK (cancelled_share BETWEEN 0 AND 1),
    reduced_share   double precision NOT NULL CHECK (reduced_share BETWEEN 0 AND 1),
    cleared_share   double precision NOT NULL CHECK (cleared_share BETWEEN 0 AND 1),
    note            text NOT NULL DEFAULT '',
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    recorded_by     text NOT NULL,
    superseded_at   timestamptz,
    CHECK (abs(cancelled_share + reduced_share + cleared_share - 1) <= 0.000001)
);
CREATE UNIQUE INDEX workplan_mix_current_idx ON workplan_mix (kind) WHERE superseded_at IS NULL;

-- The plan reads, for every open area, what the report's covering index (migration 0007) lacks: its priority,
-- evidence and date identified, by the version's key, without the row and its polygon.
CREATE INDEX hazard_area_version_plan_idx ON hazard_area_version (hazard_id, version)
    INCLUDE (priority, evidence_type, identified_on);
