-- The text of an Article 4 extension request that the record cannot give (docs/REPORTS.md, "Extension request"):
-- the reasons the deadline cannot be met, the implications of the extension, and the date requested. One text for
-- the State; every row is a version: a change supersedes the current row and inserts the new one, so that a draft
-- read as recorded at an earlier time (as_of) finds the text in force then.
CREATE TABLE extension_request_text (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reasons         text NOT NULL DEFAULT '',
    implications    text NOT NULL DEFAULT '',
    requested_until date,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    recorded_by     text NOT NULL,
    superseded_at   timestamptz -- NULL while current
);
CREATE UNIQUE INDEX extension_request_text_current_idx ON extension_request_text ((true)) WHERE superseded_at IS NULL;
