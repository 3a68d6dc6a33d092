-- Field uploads: the body exactly as sent (a large object), who sent it and when, the validation report, and
-- the review. Nothing is deleted: rejected uploads are kept with their reason.
CREATE TABLE upload (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status          text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    submitted_by    text NOT NULL,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    idempotency_key text,
    body_oid        oid NOT NULL,
    size_bytes      bigint NOT NULL,
    sha256          text NOT NULL,
    feature_count   integer NOT NULL,
    report          jsonb NOT NULL,
    reviewed_by     text,
    reviewed_at     timestamptz,
    review_comment  text,
    UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX upload_status_idx ON upload (status, id DESC);
