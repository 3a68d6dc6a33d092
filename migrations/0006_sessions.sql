-- Passwords (bcrypt) for signing in to the web application, and its sessions: the cookie's secret is kept only
-- as a SHA-256 hash, with the CSRF token that every unsafe request of the session must echo.
ALTER TABLE app_user ADD COLUMN password_hash text;

CREATE TABLE user_session (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id),
    hash       bytea NOT NULL UNIQUE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
