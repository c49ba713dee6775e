-- Errand's queries on PostgreSQL, one named block each, loaded once when the store starts.
-- {schema} is replaced by the configured (validated) schema name; every value is a bind parameter.
-- Times always come from the caller's clock, never from now(), so tests can move time.

-- name: JobInsertMany
-- One round-trip for any number of jobs: columns arrive as arrays and unnest turns them into rows.
-- The identity default assigns ids in the order unnest yields rows (a plain function scan feeding
-- the insert), so ordering the returned ids restores the caller's order. The notify CTE wakes
-- listeners of every queue that received an available job; PostgreSQL delivers it on commit and
-- folds identical notifications of one transaction into one. It is referenced below only so that
-- it runs: a SELECT in WITH that nothing references is never evaluated.
WITH inserted AS (
  INSERT INTO {schema}.job
    (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags, metadata)
  SELECT
    CASE WHEN u.scheduled_at::timestamptz > :now::timestamptz
         THEN 'scheduled' ELSE 'available' END::{schema}.job_state,
    u.queue, u.kind, u.args::json, u.priority, u.max_attempts, :now::timestamptz,
    u.scheduled_at::timestamptz,
    CASE WHEN u.tags = '[]' THEN '{}'::text[]
         ELSE ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)) END,
    u.metadata::jsonb
  FROM unnest(:queues::text[], :kinds::text[], :args::text[], :priorities::smallint[],
              :maxAttempts::smallint[], :scheduledAt::text[], :tags::text[], :metadata::text[])
    AS u(queue, kind, args, priority, max_attempts, scheduled_at, tags, metadata)
  RETURNING id, queue, state
), notified AS (
  SELECT pg_notify(:channel, queue) FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') q
)
SELECT id, state::text FROM inserted, (SELECT count(*) FROM notified) n ORDER BY id;

-- name: JobInsertManyAlike
-- JobInsertMany's common case: jobs that differ only in their args, as when one kind is enqueued
-- in bulk with the same options. Everything else is one value for the whole batch, state included
-- (computed by the caller as above), so PostgreSQL parses one array instead of eight and no value
-- per row: about 40 % less of its time per job (1,000 jobs: 5.7 instead of 9.6 ms).
WITH inserted AS (
  INSERT INTO {schema}.job
    (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags, metadata)
  SELECT :state::{schema}.job_state, :queue, :kind, a::json, :priority, :maxAttempts,
         :now::timestamptz, :scheduledAt::timestamptz, :tags::text[], :metadata::jsonb
  FROM unnest(:args::text[]) AS a
  RETURNING id
), notified AS (
  SELECT pg_notify(:channel, :queue) WHERE :notify::boolean
)
SELECT id FROM inserted, (SELECT count(*) FROM notified) n ORDER BY id;

-- name: JobInsertOne
-- The single enqueue of a request handler: plain values instead of arrays, so the statement is
-- the cheapest to plan and run; the same notify as JobInsertMany, unless :notify is
-- false (NotifyDebouncer: the queue was announced moments ago, a trailing notification follows).
WITH inserted AS (
  INSERT INTO {schema}.job
    (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags, metadata)
  VALUES (
    CASE WHEN :scheduledAt::timestamptz > :now::timestamptz
         THEN 'scheduled' ELSE 'available' END::{schema}.job_state,
    :queue, :kind, :args::json, :priority, :maxAttempts, :now::timestamptz,
    :scheduledAt::timestamptz, :tags::text[], :metadata::jsonb)
  RETURNING id, queue, state
), notified AS (
  SELECT pg_notify(:channel, queue) FROM inserted WHERE state = 'available' AND :notify::boolean
)
SELECT id, state::text FROM inserted, (SELECT count(*) FROM notified) n;

-- name: JobInsertUnique
-- The insert of a batch that holds unique jobs; JobInsertMany, the hot path, stays free of this
-- work. A job whose key another job holds conflicts on job_unique_idx and is skipped: the index
-- decides, not a check before the insert, so concurrent inserts of one key from any number of
-- sessions store one job (a session whose conflicting row is not yet committed waits for it).
-- The holders of skipped keys come back in the same statement, read from its snapshot; a holder
-- that another session committed while this statement ran is not in that snapshot, and the store
-- reads it afterwards with JobUniqueHolders. No key repeats within one call (the store folds
-- repeats first). Columns as in JobInsertMany, plus the key as hex and the state bitmask.
-- Rows are inserted in key order (ordinary jobs first, in batch order): a session that waits for
-- another's uncommitted key then never holds a key that the other still has to insert, so two
-- batches of the same keys in different orders cannot deadlock. The price: unique jobs of one
-- batch get ids in key order, not batch order.
WITH input AS (
  SELECT * FROM unnest(:queues::text[], :kinds::text[], :args::text[], :priorities::smallint[],
                       :maxAttempts::smallint[], :scheduledAt::text[], :tags::text[],
                       :metadata::text[], :uniqueKeys::text[], :uniqueStates::smallint[])
    WITH ORDINALITY
    AS u(queue, kind, args, priority, max_attempts, scheduled_at, tags, metadata, unique_key,
         unique_states, ord)
), inserted AS (
  INSERT INTO {schema}.job
    (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags, metadata,
     unique_key, unique_states)
  SELECT
    CASE WHEN u.scheduled_at::timestamptz > :now::timestamptz
         THEN 'scheduled' ELSE 'available' END::{schema}.job_state,
    u.queue, u.kind, u.args::json, u.priority, u.max_attempts, :now::timestamptz,
    u.scheduled_at::timestamptz,
    CASE WHEN u.tags = '[]' THEN '{}'::text[]
         ELSE ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)) END,
    u.metadata::jsonb, decode(u.unique_key, 'hex'), u.unique_states
  FROM input u
  ORDER BY u.unique_key COLLATE "C" NULLS FIRST, u.ord
  -- Names job_unique_idx (by its column and predicate) so that any other conflict still fails.
  ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL AND {schema}.job_unique_holds(state, unique_states)
    DO NOTHING
  RETURNING id, queue, state, unique_key
), notified AS (
  SELECT pg_notify(:channel, queue) FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') q
)
SELECT id, state::text, encode(unique_key, 'hex'), true FROM inserted, (SELECT count(*) FROM notified) n
UNION ALL
SELECT j.id, j.state::text, encode(j.unique_key, 'hex'), false FROM {schema}.job j
WHERE j.unique_key IN (SELECT decode(unique_key, 'hex') FROM input WHERE unique_key IS NOT NULL)
  AND j.unique_key IS NOT NULL AND {schema}.job_unique_holds(j.state, j.unique_states);

-- name: JobUniqueHolders
-- The jobs that hold these keys (hex), read after JobInsertUnique with a fresh snapshot. The
-- predicate repeats job_unique_idx's so that the planner can use that index.
SELECT id, state::text, encode(unique_key, 'hex') FROM {schema}.job
WHERE unique_key IN (SELECT decode(k, 'hex') FROM unnest(:keys::text[]) k)
  AND unique_key IS NOT NULL AND {schema}.job_unique_holds(state, unique_states);

-- name: JobUniqueHolderOf
-- The other job that holds the unique key of job :id, when a retry of it conflicted.
SELECT h.id FROM {schema}.job j
JOIN {schema}.job h ON h.unique_key = j.unique_key AND h.id <> j.id
WHERE j.id = :id AND h.unique_key IS NOT NULL AND {schema}.job_unique_holds(h.state, h.unique_states);

-- name: JobDependenciesLock
-- The jobs that new jobs will depend on, locked in id order (the order in which results are
-- finished, so the two never deadlock). This is what makes counting race-free: a dependency
-- that ends concurrently either committed first (its final state is read here and counted at
-- once), or its write waits for this transaction and then sees has_dependents and the rows of
-- job_dependency inserted with it. NO KEY UPDATE: the strongest lock an UPDATE of has_dependents
-- needs, and it does not block inserts of rows that reference the job.
SELECT id, state::text FROM {schema}.job WHERE id = ANY(:ids::bigint[]) ORDER BY id FOR NO KEY UPDATE;

-- name: JobDependenciesMark
UPDATE {schema}.job SET has_dependents = true WHERE id = ANY(:ids::bigint[]) AND NOT has_dependents;

-- name: JobInsertWithDependencies
-- Like JobInsertMany, but the state, the dependency counters and, for a job cancelled at once
-- because a dependency already failed, its finalization and error come computed from Java, which
-- read the dependencies under JobDependenciesLock.
WITH inserted AS (
  INSERT INTO {schema}.job
    (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, finalized_at,
     tags, metadata, errors, deps_waiting, deps_completed, deps_discarded, deps_cancelled,
     cancel_on_dependency_failure)
  SELECT
    u.state::{schema}.job_state, u.queue, u.kind, u.args::json, u.priority, u.max_attempts,
    :now::timestamptz, u.scheduled_at::timestamptz, u.finalized_at::timestamptz,
    CASE WHEN u.tags = '[]' THEN '{}'::text[]
         ELSE ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)) END,
    u.metadata::jsonb, u.errors::jsonb, u.waiting, u.completed, u.discarded, u.cancelled,
    u.cancel_on_failure
  -- The first eight columns as in JobInsertMany (ArrayInserts.bindColumns), then this insert's own.
  FROM unnest(:queues::text[], :kinds::text[], :args::text[], :priorities::smallint[],
              :maxAttempts::smallint[], :scheduledAt::text[], :tags::text[], :metadata::text[],
              :states::text[], :finalizedAt::text[], :errors::text[], :waiting::int[],
              :completed::int[], :discarded::int[], :cancelled::int[], :cancelOnFailure::boolean[])
    AS u(queue, kind, args, priority, max_attempts, scheduled_at, tags, metadata, state,
         finalized_at, errors, waiting, completed, discarded, cancelled, cancel_on_failure)
  RETURNING id, queue, state
), notified AS (
  SELECT pg_notify(:channel, queue) FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') q
)
SELECT id, state::text FROM inserted, (SELECT count(*) FROM notified) n ORDER BY id;

-- name: JobDependencyInsert
INSERT INTO {schema}.job_dependency (depends_on_id, job_id)
SELECT * FROM unnest(:dependsOn::bigint[], :dependents::bigint[]);

-- name: JobDependentsResolve
-- Counts the end of some jobs (completed, discarded or cancelled; a deleted job counts as
-- cancelled) in the jobs waiting on them. Runs in the transaction that ended them, as a statement
-- of its own after that write: its snapshot then includes rows of job_dependency committed by an
-- insert that the ending write had to wait for (see JobDependenciesLock).
-- Deleting the rows is what makes each end count once. The waiting jobs are locked in id order so
-- that two resolutions sharing dependents do not deadlock; the second then re-reads the counters
-- the first committed (READ COMMITTED re-evaluates an updated row), so exactly one of them sees
-- deps_waiting reach zero and releases the job. "id = ANY(ARRAY(...))" pins primary-key lookups.
-- The counting and the state CASE below are JobRules.counted and JobRules.afterDependencyEnded,
-- applied set-based; the contract's Dependencies area holds every store to the same answers.
WITH ended AS (
  SELECT * FROM unnest(:ids::bigint[], :outcomes::text[]) AS e(id, outcome)
), edges AS (
  DELETE FROM {schema}.job_dependency d
  WHERE d.depends_on_id = ANY(:ids::bigint[])
  RETURNING d.job_id, d.depends_on_id
), counted AS (
  SELECT edges.job_id,
         count(*) FILTER (WHERE ended.outcome = 'completed') AS completed,
         count(*) FILTER (WHERE ended.outcome = 'discarded') AS discarded,
         count(*) FILTER (WHERE ended.outcome = 'cancelled') AS cancelled,
         min(ended.id) FILTER (WHERE ended.outcome <> 'completed') AS failed_id
  FROM edges JOIN ended ON ended.id = edges.depends_on_id
  GROUP BY edges.job_id
), locked AS (
  SELECT id FROM {schema}.job WHERE id = ANY(ARRAY(SELECT job_id FROM counted))
  ORDER BY id FOR NO KEY UPDATE
), decided AS (
  -- Joined with locked only so that the locks are taken: an unreferenced CTE never runs.
  SELECT counted.* FROM counted JOIN locked ON locked.id = counted.job_id
)
UPDATE {schema}.job j
SET deps_waiting = j.deps_waiting - (d.completed + d.discarded + d.cancelled),
    deps_completed = j.deps_completed + d.completed,
    deps_discarded = j.deps_discarded + d.discarded,
    deps_cancelled = j.deps_cancelled + d.cancelled,
    -- Only a pending job moves: one cancelled or retried by hand meanwhile just counts.
    state = CASE
      WHEN j.state <> 'pending' THEN j.state
      WHEN j.cancel_on_dependency_failure AND d.failed_id IS NOT NULL THEN 'cancelled'
      WHEN j.deps_waiting > d.completed + d.discarded + d.cancelled THEN 'pending'
      WHEN j.scheduled_at > :now::timestamptz THEN 'scheduled'
      ELSE 'available' END::{schema}.job_state,
    finalized_at = CASE WHEN j.state = 'pending' AND j.cancel_on_dependency_failure
                             AND d.failed_id IS NOT NULL
                        THEN :now::timestamptz ELSE j.finalized_at END,
    -- The same error as DependencyFailure.cancellation builds in Java.
    errors = CASE WHEN j.state = 'pending' AND j.cancel_on_dependency_failure
                       AND d.failed_id IS NOT NULL
                  THEN j.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', 0, 'at', :now::text, 'errorClass', 'dependency_failed',
                    'message', 'dependency ' || d.failed_id || ' was '
                               || (SELECT outcome FROM ended WHERE ended.id = d.failed_id),
                    'stackTrace', ''))
                  ELSE j.errors END
FROM decided d
WHERE j.id = ANY(ARRAY(SELECT job_id FROM counted)) AND j.id = d.job_id
RETURNING j.id, j.queue, j.state::text, j.has_dependents;

-- name: JobFetch
-- Claims the next available jobs of one queue in one statement. The subquery walks job_fetch_idx,
-- which holds available jobs only, in fetch order; FOR UPDATE SKIP LOCKED makes a concurrent
-- fetcher pass over rows another is claiming instead of waiting on them, so competing nodes neither
-- block each other nor receive the same job. The pause check costs one primary-key probe of the
-- queue table. The kind filter (an empty array means any kind) is a plain filter on the index
-- walk: external workers name the kinds they can work, and the rows they skip stay available.
-- (priority, scheduled_at, id) is the fetch order, JobRules.FETCH_ORDER, which the store sorts the
-- claimed rows by. The walk starts at such a key, a row comparison the index seeks to: the
-- last job this process claimed from the queue (FetchHints), or the head. Every job claimed before
-- it left a dead entry here until VACUUM, and a walk from the head passed them all: 5,000 index
-- pages and 9 ms per claim after 800,000 jobs of a burn-down, against 380 pages at its start.
-- Jobs enqueued since at a higher priority than that key are taken first, by a second walk (ahead)
-- that starts at the first of them and ends before the key's priority, so that it does not pass
-- the dead entries of the key's own priority either; when there are none it is an empty range
-- (priority < -32768). The walk from the key takes what the walk ahead left of the limit: the
-- CTEs run only as far as the outer LIMIT reads them, so it locks no more rows than it returns.
-- Every LIMIT is a plain parameter: "LIMIT :limit - (SELECT count(*) FROM ahead)" made the planner
-- expect a tenth of the table, and on 10,000,000 jobs that estimate crossed jit_above_cost, so
-- PostgreSQL compiled each claim with LLVM (three quarters of its time, a sixth of the speed).
-- The claimed ids come back as one array that the update looks up by primary key, so the update
-- joins nothing: joining a CTE of the ids instead made PostgreSQL copy each joined row into a
-- whole-row value for its concurrent-update recheck (about an eighth of its time in a burn-down).
UPDATE {schema}.job j
SET state = 'running', attempt = j.attempt + 1, attempted_at = :now::timestamptz,
    lease_owner = :owner, lease_expires_at = :leaseExpiresAt::timestamptz,
    -- The claim is no heartbeat: an earlier attempt's goes (see V011).
    heartbeat_at = NULL
WHERE j.id = ANY(ARRAY(
  WITH ahead AS (
    SELECT id FROM {schema}.job
    WHERE state = 'available' AND queue = :queue AND scheduled_at <= :now::timestamptz
      AND (priority, scheduled_at, id)
          >= (:aheadPriority::smallint, :aheadScheduledAt::timestamptz, :aheadId::bigint)
      AND (cardinality(:kinds::text[]) = 0 OR kind = ANY(:kinds::text[]))
      AND NOT EXISTS (SELECT 1 FROM {schema}.queue q WHERE q.name = :queue AND q.paused)
      AND priority < :aheadEndsBeforePriority::smallint
    ORDER BY priority, scheduled_at, id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED),
  from_key AS (
    SELECT id FROM {schema}.job
    WHERE state = 'available' AND queue = :queue AND scheduled_at <= :now::timestamptz
      AND (priority, scheduled_at, id)
          >= (:keyPriority::smallint, :keyScheduledAt::timestamptz, :keyId::bigint)
      AND (cardinality(:kinds::text[]) = 0 OR kind = ANY(:kinds::text[]))
      AND NOT EXISTS (SELECT 1 FROM {schema}.queue q WHERE q.name = :queue AND q.paused)
    ORDER BY priority, scheduled_at, id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED)
  SELECT id FROM ahead UNION ALL SELECT id FROM from_key
  LIMIT :limit))
-- Only the columns the claim did not just set: fewer values to send and parse per job. Times as
-- microseconds since the epoch: pgjdbc parses a timestamp's text through a Calendar, which was a
-- tenth of the Java side of a burn-down. JobRows.readClaimed reads these by position.
RETURNING j.id, j.kind, j.queue, j.args, j.priority, j.attempt, j.max_attempts,
          (extract(epoch FROM j.created_at) * 1000000)::bigint,
          (extract(epoch FROM j.scheduled_at) * 1000000)::bigint,
          j.tags, j.metadata, j.errors, j.deps_waiting, j.deps_completed,
          j.deps_discarded, j.deps_cancelled, encode(j.unique_key, 'hex');

-- name: JobFinishMany
-- Every kind of result of a whole batch in one statement. The results arrive as one JSON object
-- keyed by job id, each value the result's target state and changes, and each row looks its own
-- up by key (a binary search in the parsed object). So the statement joins nothing: the jobs are
-- found by "id = ANY(ids)" on the primary key, and no plan can go wrong with the batch size.
-- Joining an unnest of arrays instead let the planner choose, per batch: it scanned the jobs
-- by id and rescanned the whole unnest for each (quadratic: 970 ms for 2,000 results), or it
-- read the whole table and hashed it (54 ms for 700 results among 100,000 jobs).
-- The WHERE clause is the fence: a row applies only while the job still runs at the attempt that
-- produced the result, so a holder whose lease was rescued cannot overwrite anything. Because of
-- it, the row's attempted_at and lease_owner are this attempt's: an error gets them as its run.
UPDATE {schema}.job j
SET state = (b.results -> j.id::text ->> 'state')::{schema}.job_state,
    attempt = j.attempt + (b.results -> j.id::text ->> 'attemptDelta')::int,
    scheduled_at = COALESCE((b.results -> j.id::text ->> 'scheduledAt')::timestamptz, j.scheduled_at),
    finalized_at = (b.results -> j.id::text ->> 'finalizedAt')::timestamptz,
    errors = CASE WHEN b.results -> j.id::text ->> 'error' IS NULL THEN j.errors
                  ELSE j.errors || jsonb_build_array(
                    (b.results -> j.id::text ->> 'error')::jsonb || jsonb_build_object(
                      'startedAt', to_char(j.attempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                      'node', j.lease_owner)) END,
    lease_owner = NULL,
    lease_expires_at = NULL
FROM (SELECT :results::jsonb AS results) b
WHERE j.id = ANY(:ids::bigint[]) AND j.state = 'running'
  AND j.attempt = (b.results -> j.id::text ->> 'attempt')::int
  -- Outside a transaction (false), a result that ends a job others wait on is left out, to be
  -- written again in one together with its dependents (see JobDependentsResolve).
  AND (:inTransaction::boolean
       OR NOT (j.has_dependents AND b.results -> j.id::text ->> 'finalizedAt' IS NOT NULL))
RETURNING j.id, j.queue, j.state::text, j.has_dependents;

-- name: JobCompleteMany
-- The common batch, where every result is a plain completion: each job id maps to
-- [attempt, finalized at]. Fenced, and free of joins, like JobFinishMany. Autocommitted, so it
-- leaves out jobs others wait on: JobFinishMany writes those in a transaction that also updates
-- their dependents. If this statement waits for a row that JobDependenciesLock holds, its
-- re-check reads the committed has_dependents, so no completion slips past its dependents.
UPDATE {schema}.job j
SET state = 'completed', finalized_at = (b.held -> j.id::text ->> 1)::timestamptz,
    lease_owner = NULL, lease_expires_at = NULL
FROM (SELECT :held::jsonb AS held) b
WHERE j.id = ANY(:ids::bigint[]) AND j.state = 'running'
  AND j.attempt = (b.held -> j.id::text ->> 0)::int
  AND NOT j.has_dependents
RETURNING j.id;

-- name: Notify
SELECT pg_notify(:channel, queue) FROM unnest(:queues::text[]) AS queue;

-- name: JobHeartbeat
-- Each job id maps to the attempt whose lease is renewed; free of joins like JobFinishMany.
UPDATE {schema}.job j
SET lease_expires_at = :leaseExpiresAt::timestamptz, heartbeat_at = :now::timestamptz
FROM (SELECT :held::jsonb AS held) b
WHERE j.id = ANY(:ids::bigint[]) AND j.state = 'running'
  AND j.attempt = (b.held ->> j.id::text)::int
  AND j.lease_owner = :owner
RETURNING j.id;

-- name: JobRescueExpired
-- SKIP LOCKED: rows a finishing node holds right now are not expired in any useful sense.
-- The run time is kept: a job whose node died keeps its place ahead of the jobs enqueued since,
-- so that recovery does not wait behind a backlog (backoff is for failures a worker reported).
-- The walk starts at the time of the last pass that left nothing behind (RescueWatermark), or at
-- -infinity: the leases that ended before it are, but for the rare exceptions that a full pass
-- takes, the dead entries of finished jobs, which a walk from the start would read every time.
WITH expired AS (
  SELECT id FROM {schema}.job
  WHERE state = 'running' AND lease_expires_at < :now::timestamptz
    AND lease_expires_at >= :watermark::timestamptz
  ORDER BY lease_expires_at
  LIMIT :limit
  FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.job j
SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'retryable' END::{schema}.job_state,
    finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN :now::timestamptz END,
    errors = j.errors || jsonb_build_array(jsonb_build_object(
      'attempt', j.attempt, 'at', :now::text, 'errorClass', 'lease_expired',
      'message', 'lease of ' || j.lease_owner || ' expired at '
                 || to_char(j.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'stackTrace', '',
      'startedAt', to_char(j.attempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'node', j.lease_owner)),
    lease_owner = NULL,
    lease_expires_at = NULL
FROM expired
WHERE j.id = expired.id
RETURNING j.id, j.state::text, j.has_dependents;

-- name: JobStage
WITH due AS (
  SELECT id FROM {schema}.job
  WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= :now::timestamptz
  ORDER BY scheduled_at, id
  LIMIT :limit
  FOR UPDATE SKIP LOCKED
), staged AS (
  UPDATE {schema}.job j SET state = 'available'
  FROM due WHERE j.id = due.id
  RETURNING j.queue
), counted AS (
  SELECT queue, count(*) AS n FROM staged GROUP BY queue
), notified AS (
  SELECT pg_notify(:channel, queue) FROM counted
)
SELECT queue, n FROM counted, (SELECT count(*) FROM notified) x;

-- name: JobPrune
-- Bounded: deletes at most a batch per call so that no statement holds locks for long.
DELETE FROM {schema}.job
WHERE id IN (
  SELECT id FROM {schema}.job
  WHERE (state = 'completed' AND finalized_at < :completedBefore::timestamptz)
     OR (state = 'discarded' AND finalized_at < :discardedBefore::timestamptz)
     OR (state = 'cancelled' AND finalized_at < :cancelledBefore::timestamptz)
  LIMIT :limit
);

-- name: AutovacuumOff
-- Whether autovacuum skips the job table: off for the server, or for the table by its options.
SELECT NOT current_setting('autovacuum')::boolean
    OR EXISTS (SELECT 1 FROM pg_class c, pg_options_to_table(c.reloptions) o
               WHERE c.oid = '{schema}.job'::regclass AND o.option_name = 'autovacuum_enabled'
                 AND NOT o.option_value::boolean);

-- name: Vacuum
-- Only when autovacuum is off (see VacuumSchedule). Every claim and every result
-- leaves a dead row version and a dead entry in the indexes it touched, and only VACUUM removes
-- them: without it the claim walks past every job ever claimed at the head of job_fetch_idx
-- (PostgreSQL's time per job in a burn-down grew by half between 100,000 and 300,000 jobs), and
-- the table and its indexes grow without end. ANALYZE keeps the planner's row counts current.
VACUUM (ANALYZE) {schema}.job, {schema}.job_dependency;

-- name: TryTransactionLock
-- An advisory lock held until the transaction ends; false at once if another session holds it.
SELECT pg_try_advisory_xact_lock(hashtext(:key));

-- name: JobGet
SELECT * FROM {schema}.job WHERE id = :id;

-- name: JobEdges
-- The unresolved edges of job :id, :limit of each direction (one more than a page, to tell whether
-- more exist), is_dependency true for the jobs it waits on. Each branch is a range of one index in
-- id order: job_dependency_job_edge_idx for what it waits on, the primary key for what waits on it.
(SELECT true AS is_dependency, depends_on_id AS id FROM {schema}.job_dependency
 WHERE job_id = :id ORDER BY depends_on_id LIMIT :limit)
UNION ALL
(SELECT false, job_id FROM {schema}.job_dependency
 WHERE depends_on_id = :id ORDER BY job_id LIMIT :limit);

-- name: JobList
-- Ids from :minId to :maxId (JobQuery.minId and maxId, which read the keyset in either order).
-- {direction} is ASC or DESC: StoreContext expands this block into JobListOldestFirst and
-- JobListNewestFirst, since a parameter cannot choose the order and one plan serves only one.
-- Either way the primary key gives the order: newest first the planner walks it backward from
-- :maxId and stops after :limit matches, no sort (Index Scan Backward using job_pkey, custom and
-- generic plans; on 1,000,000 jobs a page of 51 in 0.1 ms, of completed ones below id 500,000 in
-- 0.3 ms, of a rare args value in a window of 10,000 ids in 7 ms).
-- :argPaths and :argValues pair a path of object keys ('address.city') with the text the value
-- there must have (#>> gives a string's contents, a number as written, true or false);
-- :metaKeys and :metaValues likewise for the metadata. Empty arrays for no condition.
SELECT * FROM {schema}.job
WHERE id >= :minId AND id <= :maxId
  -- The states as the enum, not state::text: on the column itself the planner has its statistics,
  -- sees that a page of a common state comes soon, and walks the primary key for it.
  AND (cardinality(:states::text[]) = 0 OR state = ANY(:states::text[]::{schema}.job_state[]))
  AND (:queue::text IS NULL OR queue = :queue)
  AND (:kind::text IS NULL OR kind = :kind)
  AND (:tag::text IS NULL OR :tag = ANY(tags))
  -- "cardinality = 0 OR": without conditions the planner drops the subquery, which it cannot
  -- see is empty, and keeps walking the primary key for the first page (else: a scan and a sort).
  -- Cheapest test first: each of #> and #>> parses the args' text anew (json, not jsonb), while
  -- strpos over the text (:argNeedles, see JobAdmin.needle) rules out most rows of a rare value
  -- without parsing them; "" finds itself anywhere. A missing path or a JSON null gives NULL.
  AND (cardinality(:argPaths::text[]) = 0 OR NOT EXISTS (
    SELECT 1 FROM unnest(:argPaths::text[], :argValues::text[], :argNeedles::text[])
      AS f(path, value, needle)
    WHERE strpos(args::text, f.needle) = 0
       OR (args #>> string_to_array(f.path, '.')) IS DISTINCT FROM f.value
       OR json_typeof(args #> string_to_array(f.path, '.')) NOT IN ('string', 'number', 'boolean')))
  AND (cardinality(:metaKeys::text[]) = 0 OR NOT EXISTS (
    SELECT 1 FROM unnest(:metaKeys::text[], :metaValues::text[]) AS m(key, value)
    WHERE (metadata ->> m.key) IS DISTINCT FROM m.value))
ORDER BY id {direction}
LIMIT :limit;

-- name: JobCancel
-- A running job's holder learns of it at its next heartbeat, which no longer matches a running row.
UPDATE {schema}.job
SET state = 'cancelled', finalized_at = :now::timestamptz, lease_owner = NULL, lease_expires_at = NULL,
    errors = errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'at', :now::text, 'errorClass', 'cancelled', 'message', :reason::text, 'stackTrace', ''))
WHERE id = :id AND state NOT IN ('completed', 'discarded', 'cancelled')
RETURNING *;

-- name: JobRetry
UPDATE {schema}.job
SET state = 'available', scheduled_at = :now::timestamptz, finalized_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL,
    max_attempts = GREATEST(max_attempts, attempt + 1)
WHERE id = :id AND state <> 'running'
RETURNING *;

-- name: JobImportHistory
-- The history of jobs just imported from another store (JobImport), in the transaction that
-- inserted them: no fetcher sees them before it, and a retrying job leaves the fetch index here.
UPDATE {schema}.job AS j
SET attempt = u.attempt,
    errors = u.errors::jsonb,
    state = CASE WHEN u.retrying THEN 'retryable' ELSE j.state END
FROM unnest(:ids::bigint[], :attempts::int2[], :errors::text[], :retrying::bool[])
  AS u(id, attempt, errors, retrying)
WHERE j.id = u.id;

-- name: JobDelete
DELETE FROM {schema}.job WHERE id = :id AND state <> 'running' RETURNING has_dependents;

-- name: QueuePause
INSERT INTO {schema}.queue (name, paused, updated_at) VALUES (:name, true, now())
ON CONFLICT (name) DO UPDATE SET paused = true, updated_at = now();

-- name: QueueResume
UPDATE {schema}.queue SET paused = false, updated_at = now() WHERE name = :name;

-- name: QueueCounts
SELECT queue, state::text, count(*) FROM {schema}.job GROUP BY queue, state;

-- name: QueueCountAvailable
-- The queues with available jobs, one index descent each (a loose scan of job_fetch_idx), and up
-- to :limit of each queue's available jobs counted from the same index: never more than :limit
-- entries read per queue, however many wait.
WITH RECURSIVE queues AS (
  (SELECT queue FROM {schema}.job WHERE state = 'available' ORDER BY queue LIMIT 1)
  UNION ALL
  SELECT (SELECT j.queue FROM {schema}.job j
          WHERE j.state = 'available' AND j.queue > queues.queue ORDER BY j.queue LIMIT 1)
  FROM queues WHERE queues.queue IS NOT NULL
)
SELECT queue, (SELECT count(*) FROM (
         SELECT 1 FROM {schema}.job j WHERE j.state = 'available' AND j.queue = queues.queue
         LIMIT :limit) counted)
FROM queues WHERE queue IS NOT NULL;

-- name: QueueCountSample
-- The other states in four groups, each read through the partial index that holds it, in that
-- index's order so that the planner walks it, at most :limit jobs per group: a group that returns
-- fewer was read whole, so its counts are exact; one that returns :limit was cut short.
-- lease_expires_at is set exactly while a job runs (see V005), which lets job_lease_idx serve.
SELECT 'running' AS grp, queue, state::text, count(*) FROM (
  SELECT queue, state FROM {schema}.job
  WHERE lease_expires_at IS NOT NULL AND state = 'running'
  ORDER BY lease_expires_at LIMIT :limit) running
GROUP BY queue, state
UNION ALL
SELECT 'waiting', queue, state::text, count(*) FROM (
  SELECT queue, state FROM {schema}.job
  WHERE state IN ('scheduled', 'retryable')
  ORDER BY scheduled_at, id LIMIT :limit) waiting
GROUP BY queue, state
UNION ALL
SELECT 'finalized', queue, state::text, count(*) FROM (
  SELECT queue, state FROM {schema}.job
  WHERE state IN ('completed', 'discarded', 'cancelled')
  ORDER BY finalized_at LIMIT :limit) finalized
GROUP BY queue, state
UNION ALL
SELECT 'pending', queue, state::text, count(*) FROM (
  SELECT queue, state FROM {schema}.job
  WHERE deps_waiting > 0 AND state = 'pending'
  ORDER BY id LIMIT :limit) pending
GROUP BY queue, state;

-- name: QueueCountEstimates
-- The planner's estimate of each (queue, state) pair's jobs: its share among the most common pairs
-- of the last ANALYZE (V009's statistics) times the table's rows now, scaled from the rows per page
-- of that ANALYZE to the table's size now, as the planner does. A pair too rare to be among the
-- most common, and every pair for a user who does not own the table (pg_stats_ext shows a table's
-- pairs to its owner only), gets each column's own shares multiplied, as if queue and state were
-- unrelated, from pg_stats (shown to whoever may read the table). No rows before the first ANALYZE.
WITH tbl AS (
  SELECT n.nspname, c.relname,
         CASE WHEN c.relpages > 0
              THEN c.reltuples / c.relpages
                   * (pg_relation_size(c.oid) / current_setting('block_size')::bigint)
              ELSE c.reltuples END AS row_estimate
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = '{schema}.job'::regclass AND c.reltuples >= 0
), pairs AS (
  -- A statistics object keeps its columns in table order, whatever order it was created with.
  SELECT vals[i][queue_at] AS queue, vals[i][state_at] AS state, freqs[i] AS share
  FROM (
    SELECT s.most_common_vals AS vals, s.most_common_freqs AS freqs,
           array_position(s.attnames, 'queue') AS queue_at,
           array_position(s.attnames, 'state') AS state_at
    FROM pg_stats_ext s JOIN tbl ON s.statistics_schemaname = tbl.nspname
    WHERE s.statistics_name = 'job_queue_state' AND s.most_common_vals IS NOT NULL
  ) stats, generate_subscripts(vals, 1) AS i
), columns AS (
  SELECT p.attname, each.value, each.share
  FROM pg_stats p JOIN tbl ON p.schemaname = tbl.nspname AND p.tablename = tbl.relname,
       unnest(p.most_common_vals::text::text[], p.most_common_freqs) AS each(value, share)
  WHERE p.attname IN ('queue', 'state')
)
SELECT shares.queue, shares.state, round(shares.share * tbl.row_estimate)::bigint
FROM (
  SELECT queue, state, share FROM pairs
  UNION ALL
  SELECT q.value, s.value, q.share * s.share
  FROM columns q JOIN columns s ON q.attname = 'queue' AND s.attname = 'state'
  WHERE NOT EXISTS (SELECT 1 FROM pairs WHERE pairs.queue = q.value AND pairs.state = s.value)
) shares, tbl;

-- name: QueuePaused
SELECT name FROM {schema}.queue WHERE paused;

-- name: LeaderElect
-- One statement, so that concurrent candidates serialize on the row: the insert wins when nobody
-- leads; otherwise the update applies only for the current owner (a renewal) or once the
-- holder's term has expired. A row comes back only if the asker now leads.
INSERT INTO {schema}.leader AS l (name, owner, elected_at, expires_at)
VALUES (:name, :owner, :now::timestamptz, :expiresAt::timestamptz)
ON CONFLICT (name) DO UPDATE
SET owner = EXCLUDED.owner,
    expires_at = EXCLUDED.expires_at,
    elected_at = CASE WHEN l.owner = EXCLUDED.owner THEN l.elected_at ELSE EXCLUDED.elected_at END
WHERE l.owner = EXCLUDED.owner OR l.expires_at < EXCLUDED.elected_at
RETURNING owner;

-- name: LeaderResign
DELETE FROM {schema}.leader WHERE name = :name AND owner = :owner;

-- name: NodeReport
-- The node's whole entry, replaced: a report says everything about the node as it is now.
INSERT INTO {schema}.node AS n (id, queues, kinds, started_at, reported_at, expires_at, details)
VALUES (:id, :queues::jsonb, :kinds::jsonb, :startedAt::timestamptz, :now::timestamptz,
        :expiresAt::timestamptz, :details::jsonb)
ON CONFLICT (id) DO UPDATE
SET queues = EXCLUDED.queues, kinds = EXCLUDED.kinds, started_at = EXCLUDED.started_at,
    reported_at = EXCLUDED.reported_at, expires_at = EXCLUDED.expires_at,
    details = EXCLUDED.details;

-- name: NodeRemove
DELETE FROM {schema}.node WHERE id = :id;

-- name: NodeList
-- Expired rows are left out here rather than trusted to be pruned: a dead node's row lingers
-- until the maintenance leader's next prune.
SELECT id, queues::text, kinds::text, started_at, reported_at, expires_at, details::text
FROM {schema}.node
WHERE expires_at >= :now::timestamptz
ORDER BY id;

-- name: NodePrune
DELETE FROM {schema}.node WHERE expires_at < :now::timestamptz;

-- name: StoreTime
-- The database server's clock, which every node compares with its own (ClockSkewCheck):
-- clock_timestamp(), not now(), which is the start of the transaction.
SELECT clock_timestamp();
