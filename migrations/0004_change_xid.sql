-- The transaction of each change, so that readers can replay changes without missing a transaction that
-- commits after others with larger ids: every transaction older than a snapshot's xmin has finished, so a reader
-- that remembers the xmin of its last read and reads again from there sees every change exactly once or more.
ALTER TABLE change_log ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX change_log_xid_idx ON change_log (xid);
