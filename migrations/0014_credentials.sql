-- Credentials that end: tokens expire (NULL: a token made before expiry existed, valid until revoked), and an
-- administrator may disable a user, whose tokens and sessions are then refused.
ALTER TABLE api_token ADD COLUMN expires_at timestamptz;
ALTER TABLE app_user ADD COLUMN disabled_at timestamptz;
CREATE INDEX api_token_user_idx ON api_token (user_id);
CREATE INDEX user_session_user_idx ON user_session (user_id) WHERE revoked_at IS NULL;
