-- public_read opens the registry's reads to anyone ('true' or 'false'; without a row, reads need credentials).
ALTER TABLE setting DROP CONSTRAINT setting_key_check;
ALTER TABLE setting ADD CONSTRAINT setting_key_check CHECK (key IN ('state_name', 'entry_into_force', 'public_read'));
ALTER TABLE setting ADD CONSTRAINT setting_public_read_check CHECK (key <> 'public_read' OR value IN ('true', 'false'));
