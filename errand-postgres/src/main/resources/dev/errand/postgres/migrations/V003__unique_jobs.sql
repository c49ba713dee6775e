-- Unique jobs. A unique job carries a key (a SHA-256 computed by core) and the set of states in
-- which it blocks other jobs with that key, as a bitmask (1 scheduled, 2 available, 4 running,
-- 8 retryable, 16 completed, 32 discarded, 64 cancelled; JobColumns.uniqueStateBits). Both are null
-- for ordinary jobs.
ALTER TABLE {schema}.job
  ADD COLUMN unique_key    bytea,
  ADD COLUMN unique_states smallint;

-- Whether a job in this state still holds its unique key. IMMUTABLE (it reads only its arguments)
-- so that an index predicate may use it.
CREATE FUNCTION {schema}.job_unique_holds(state {schema}.job_state, unique_states smallint)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (unique_states & CASE state
    WHEN 'scheduled' THEN 1 WHEN 'available' THEN 2 WHEN 'running' THEN 4 WHEN 'retryable' THEN 8
    WHEN 'completed' THEN 16 WHEN 'discarded' THEN 32 WHEN 'cancelled' THEN 64 END::smallint) <> 0
$$;

-- Uniqueness itself: at most one job per key among those that hold it. The database enforces it
-- for every session at once, so concurrent inserts need no lock and no check before the insert:
-- the losers conflict and skip (ON CONFLICT DO NOTHING). Partial, so that ordinary jobs, and
-- unique jobs that left their states, write no entry; "unique_key IS NOT NULL" comes first so
-- that an ordinary job's insert settles the predicate without calling the function.
CREATE UNIQUE INDEX job_unique_idx ON {schema}.job (unique_key)
  WHERE unique_key IS NOT NULL AND {schema}.job_unique_holds(state, unique_states);
