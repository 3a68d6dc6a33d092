-- upload_mapping keeps the property mappings a team saves by name (landrelease.Mapping, docs/UPLOAD.md), to be
-- reused with uploads (POST /api/v1/uploads?mapping=NAME). The presets the service ships are not stored here.
-- document is the mapping without its name, version and who saved it, which are the columns; version counts the
-- saves, for the optimistic concurrency of PUT /api/v1/mappings/{name} (If-Match).
CREATE TABLE upload_mapping (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]*$' AND length(name) <= 64),
    document   jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL
);
