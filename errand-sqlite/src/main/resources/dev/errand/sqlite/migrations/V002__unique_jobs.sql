-- Unique jobs. A unique job carries a key (a SHA-256 in hex, computed by core) and the set of
-- states in which it blocks other jobs with that key, as a bitmask (1 scheduled, 2 available,
-- 4 running, 8 retryable, 16 completed, 32 discarded, 64 cancelled), as on PostgreSQL. Both are null for ordinary jobs. Added columns go
-- last, so the statements that name their columns are unchanged.
ALTER TABLE job ADD COLUMN unique_key TEXT;
ALTER TABLE job ADD COLUMN unique_states INTEGER;

-- At most one job per key among those that hold it. The store's one writer looks for a holder
-- before each unique insert, inside the same transaction, so no other insert can come between;
-- the index makes the file itself refuse a second holder, whatever writes it. Partial, so that
-- ordinary jobs, and unique jobs that left their states, write no entry. SQLite has no functions
-- of its own making, so the holder test is spelled out here and in store.sql: keep them the same.
CREATE UNIQUE INDEX job_unique_idx ON job (unique_key)
  WHERE unique_key IS NOT NULL AND (unique_states & CASE state
    WHEN 'scheduled' THEN 1 WHEN 'available' THEN 2 WHEN 'running' THEN 4 WHEN 'retryable' THEN 8
    WHEN 'completed' THEN 16 WHEN 'discarded' THEN 32 WHEN 'cancelled' THEN 64 ELSE 0 END) <> 0;
