-- The audit trail says from which address a request came, and is read by time, user and action.
ALTER TABLE audit_log ADD COLUMN address text;
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
