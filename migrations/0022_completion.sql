-- Completion dates of Article 4.1(c) (Lausanne Action Plan Actions 22 and 25): the day on which no CMR area remained
-- open in an admin unit (admin_code, of either level) or in the State (admin_code ''). Versioned in record time: a
-- new declaration of a scope supersedes the one in force (superseded_at), which is kept; each write is audited.
CREATE TABLE completion (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    admin_code    text NOT NULL,
    completed_on  date NOT NULL,
    declared_on   date NOT NULL,
    note          text NOT NULL DEFAULT '',
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    recorded_by   text NOT NULL,
    superseded_at timestamptz,
    CHECK (superseded_at IS NULL OR superseded_at >= recorded_at)
);
CREATE UNIQUE INDEX completion_current_idx ON completion (admin_code) WHERE superseded_at IS NULL;
