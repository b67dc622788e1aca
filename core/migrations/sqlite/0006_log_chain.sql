-- Each execution-log entry carries `chain_hash`: SHA-256 of the hash of the release's
-- previous entry and this entry's own columns (`store::log::link_hash`), written by the
-- server in the transaction that appends it, under the release's write lock. A row changed
-- afterwards, even by the table's owner, no longer matches its hash, or the next entry's;
-- `releasedesk verify-log` finds the first such link.
ALTER TABLE execution_log ADD COLUMN chain_hash TEXT;

-- The chain starts after the entries that existed when this migration ran (they have no
-- hash and are reported as unchained); every later entry must carry one.
CREATE TABLE log_chain (starts_after BIGINT NOT NULL);
INSERT INTO log_chain (starts_after) SELECT COALESCE(MAX(id), 0) FROM execution_log;
