-- Errand's statements on SQLite, one named block each, loaded once when the store opens.
-- Times are microseconds since the epoch and always come from the caller's clock. Every write runs
-- on the store's one writer connection inside BEGIN IMMEDIATE, so no statement here needs row
-- locks or SKIP LOCKED: writers take turns, readers see the last commit (WAL).

-- name: JobInsert
-- {rows} is JobInsertRow repeated, comma-separated, once per job of a chunk, each copy bound as its
-- job's row: one statement inserts a whole chunk, which costs a third of running a one-row insert
-- per job. SQLite inserts the rows
-- of a VALUES list in order, each with a larger id (AUTOINCREMENT), so the sorted returned ids are
-- the jobs' ids in the caller's order.
INSERT INTO job
  (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags, metadata,
   unique_key, unique_states)
VALUES {rows}
RETURNING id;

-- name: JobInsertRow
(:state, :queue, :kind, :args, :priority, :maxAttempts, :createdAt, :scheduledAt, :tags, :metadata,
 :uniqueKey, :uniqueStates)

-- name: JobUniqueHolder
-- The job that holds unique key :uniqueKey, if any. The predicate repeats job_unique_idx's word for
-- word, so that SQLite looks the key up in that index.
SELECT id, state FROM job
WHERE unique_key = :uniqueKey
  AND unique_key IS NOT NULL AND (unique_states & CASE state
    WHEN 'scheduled' THEN 1 WHEN 'available' THEN 2 WHEN 'running' THEN 4 WHEN 'retryable' THEN 8
    WHEN 'completed' THEN 16 WHEN 'discarded' THEN 32 WHEN 'cancelled' THEN 64 ELSE 0 END) <> 0;

-- name: JobUniqueOtherHolder
-- The other job that holds the unique key of job :id: a retry of job :id would make a second
-- holder.
SELECT h.id FROM job j
JOIN job h ON h.unique_key = j.unique_key AND h.id <> j.id
WHERE j.id = :id
  AND h.unique_key IS NOT NULL AND (h.unique_states & CASE h.state
    WHEN 'scheduled' THEN 1 WHEN 'available' THEN 2 WHEN 'running' THEN 4 WHEN 'retryable' THEN 8
    WHEN 'completed' THEN 16 WHEN 'discarded' THEN 32 WHEN 'cancelled' THEN 64 ELSE 0 END) <> 0;

-- name: JobDependencyStates
-- The states of the jobs that new jobs will depend on, :ids a JSON array of their ids. Read in the
-- insert's write transaction: no job can end between this read and the insert of the rows of
-- job_dependency, since every write that ends one waits for this transaction's turn.
SELECT id, state FROM job WHERE id IN (SELECT value FROM json_each(:ids));

-- name: JobDependenciesMark
-- :ids the unfinished ones among them, as a JSON array: their end now has dependents to count in.
UPDATE job SET has_dependents = 1
WHERE id IN (SELECT value FROM json_each(:ids)) AND has_dependents = 0;

-- name: JobInsertWithDependencies
-- One job that waits on others. Its state, its counters and, for a job cancelled at once because
-- a dependency already failed, its finalization and error come from NewJob.start in Java.
INSERT INTO job
  (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, finalized_at, tags,
   metadata, errors, deps_waiting, deps_completed, deps_discarded, deps_cancelled,
   cancel_on_dependency_failure)
VALUES (:state, :queue, :kind, :args, :priority, :maxAttempts, :createdAt, :scheduledAt,
  :finalizedAt, :tags, :metadata, :errors, :depsWaiting, :depsCompleted, :depsDiscarded,
  :depsCancelled, :cancelOnDependencyFailure)
RETURNING id;

-- name: JobDependencyInsert
INSERT INTO job_dependency (depends_on_id, job_id) VALUES (:dependsOnId, :jobId);

-- name: JobDependencyTake
-- The jobs that wait on job :id, which has just ended. Deleting the rows is what makes each end
-- count once: a dependency retried by hand and ended again finds none. A range of the primary key.
DELETE FROM job_dependency WHERE depends_on_id = :id
RETURNING job_id;

-- name: JobDependencyCount
-- Counts the end of one dependency, as :outcome (completed, discarded or cancelled), in job :id;
-- the store decides from the returned row whether the job leaves 'pending'.
UPDATE job
SET deps_waiting = deps_waiting - 1,
    deps_completed = deps_completed + (:outcome = 'completed'),
    deps_discarded = deps_discarded + (:outcome = 'discarded'),
    deps_cancelled = deps_cancelled + (:outcome = 'cancelled')
WHERE id = :id
RETURNING state, queue, deps_waiting, cancel_on_dependency_failure, scheduled_at;

-- name: JobDependentRelease
-- A pending job whose last dependency ended: :state is 'available', or 'scheduled' before its run
-- time.
UPDATE job SET state = :state WHERE id = :id AND state = 'pending';

-- name: JobDependentCancel
-- A pending job with policy CANCEL whose dependency failed; :error is the error DependencyFailure
-- builds.
UPDATE job
SET state = 'cancelled', finalized_at = :finalizedAt,
    errors = json_insert(errors, '$[#]', json(:error))
WHERE id = :id AND state = 'pending';

-- name: JobFetch
-- The subquery walks job_fetch_idx (queue, then fetch order) and stops at the limit; the pause
-- check is one primary-key probe of the queue table. :kinds, the kinds to claim as a JSON array (null
-- for any kind), is a plain filter on that walk: external workers name the kinds they can work,
-- and the rows they skip stay available. RETURNING follows no order: the store sorts, by
-- JobRules.FETCH_ORDER, the order this ORDER BY and the index spell.
UPDATE job
SET state = 'running', attempt = attempt + 1, attempted_at = :now,
    lease_owner = :owner, lease_expires_at = :leaseExpiresAt, heartbeat_at = NULL
WHERE id IN (
  SELECT id FROM job
  WHERE state = 'available' AND queue = :queue AND scheduled_at <= :now
    AND (:kinds IS NULL OR kind IN (SELECT value FROM json_each(:kinds)))
    AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.name = :queue AND q.paused = 1)
  ORDER BY priority, scheduled_at, id
  LIMIT :limit
)
-- The columns of JobRowMapper.COLUMNS, in its order: read by position, cheaper than by name.
RETURNING id, state, queue, kind, args, priority, attempt, max_attempts, created_at, scheduled_at,
  attempted_at, finalized_at, lease_owner, lease_expires_at, tags, metadata, errors,
  deps_waiting, deps_completed, deps_discarded, deps_cancelled, unique_key, heartbeat_at;

-- name: JobFinishMany
-- Every kind of result of a whole batch in one statement: :results is a JSON array with one row per
-- result, [id, attempt, state, attempt delta, scheduled_at or null, finalized_at or null, error
-- JSON text or null]; each row is a primary-key lookup. The WHERE clause is the fence: a row
-- applies only while the job still runs at the attempt that produced the result, so the row's
-- attempted_at and lease_owner are that attempt's, and an error gets them as its run (startedAt as
-- java.time.Instant writes it, from microseconds). The rescuer writes its "lease expired" results
-- through it too.
UPDATE job
SET state = u.state,
    attempt = job.attempt + u.attempt_delta,
    scheduled_at = coalesce(u.scheduled_at, job.scheduled_at),
    finalized_at = u.finalized_at,
    errors = CASE WHEN u.error IS NULL THEN job.errors
                  ELSE json_insert(job.errors, '$[#]', json_set(json(u.error),
                    '$.startedAt', strftime('%Y-%m-%dT%H:%M:%S', job.attempted_at / 1000000, 'unixepoch')
                                   || printf('.%06dZ', job.attempted_at % 1000000),
                    '$.node', job.lease_owner)) END,
    lease_owner = NULL,
    lease_expires_at = NULL
FROM (
  SELECT value ->> 0 AS id, value ->> 1 AS attempt, value ->> 2 AS state,
         value ->> 3 AS attempt_delta, value ->> 4 AS scheduled_at, value ->> 5 AS finalized_at,
         value ->> 6 AS error
  FROM json_each(:results)
) AS u
WHERE job.id = u.id AND job.state = 'running' AND job.attempt = u.attempt
RETURNING job.id, job.queue, job.state, job.has_dependents;

-- name: JobHeartbeat
UPDATE job SET lease_expires_at = :leaseExpiresAt, heartbeat_at = :now
WHERE id = :id AND attempt = :attempt AND state = 'running' AND lease_owner = :owner;

-- name: JobExpired
-- Walks job_lease_idx, oldest expiry first.
SELECT id, attempt, max_attempts, lease_owner, lease_expires_at, scheduled_at FROM job
WHERE state = 'running' AND lease_expires_at < :now
ORDER BY lease_expires_at
LIMIT :limit;

-- name: JobStage
UPDATE job SET state = 'available'
WHERE id IN (
  SELECT id FROM job
  WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= :now
  ORDER BY scheduled_at, id
  LIMIT :limit
)
RETURNING queue;

-- name: JobPrune
-- Bounded: a write transaction blocks every other writer of the file, so it stays short. The
-- first two terms repeat job_finalized_idx's predicate and bound its range; without them SQLite
-- scans the whole table for the ORs.
DELETE FROM job
WHERE id IN (
  SELECT id FROM job
  WHERE state IN ('completed', 'discarded', 'cancelled')
    AND finalized_at < max(:completedBefore, :discardedBefore, :cancelledBefore)
    AND ((state = 'completed' AND finalized_at < :completedBefore)
      OR (state = 'discarded' AND finalized_at < :discardedBefore)
      OR (state = 'cancelled' AND finalized_at < :cancelledBefore))
  LIMIT :limit
);

-- name: JobEdges
-- The unresolved edges of job :id, :limit of each direction (one more than a page, to tell whether
-- more exist), is_dependency 1 for the jobs it waits on. Both are ranges read in id order with no
-- sort: what waits on the job from the primary key (depends_on_id, job_id); what it waits on from
-- job_dependency_job_idx, whose entries of a WITHOUT ROWID table end with the primary key's
-- columns, so that they are in (job_id, depends_on_id) order. SQLite takes no ORDER BY or LIMIT in
-- a member of a compound SELECT: each side is a subquery.
SELECT * FROM (SELECT 1 AS is_dependency, depends_on_id AS id FROM job_dependency
               WHERE job_id = :id ORDER BY depends_on_id LIMIT :limit)
UNION ALL
SELECT * FROM (SELECT 0, job_id FROM job_dependency
               WHERE depends_on_id = :id ORDER BY job_id LIMIT :limit);

-- name: JobGet
SELECT id, state, queue, kind, args, priority, attempt, max_attempts, created_at, scheduled_at,
  attempted_at, finalized_at, lease_owner, lease_expires_at, tags, metadata, errors,
  deps_waiting, deps_completed, deps_discarded, deps_cancelled, unique_key, heartbeat_at
FROM job WHERE id = :id;

-- name: JobList
-- :states is the wanted states as a JSON array, or null for all of them. :args maps JSON paths
-- ('$.address.city') to the text the value there must have: a string's contents, a number as
-- written (->), true or false; :metadata maps keys to values. Null for no condition.
-- Ids from :minId to :maxId (JobQuery.minId and maxId, which read the keyset in either order).
-- {direction} is ASC or DESC: StoreContext expands this block into JobListOldestFirst and
-- JobListNewestFirst, since a parameter cannot choose the order; the rowid serves both.
SELECT id, state, queue, kind, args, priority, attempt, max_attempts, created_at, scheduled_at,
  attempted_at, finalized_at, lease_owner, lease_expires_at, tags, metadata, errors,
  deps_waiting, deps_completed, deps_discarded, deps_cancelled, unique_key, heartbeat_at
FROM job
WHERE id >= :minId AND id <= :maxId
  AND (:states IS NULL OR state IN (SELECT value FROM json_each(:states)))
  AND (:queue IS NULL OR queue = :queue)
  AND (:kind IS NULL OR kind = :kind)
  AND (:tag IS NULL OR EXISTS (SELECT 1 FROM json_each(job.tags) AS t WHERE t.value = :tag))
  AND (:args IS NULL OR NOT EXISTS (
    SELECT 1 FROM json_each(:args) AS f
    WHERE (CASE json_type(job.args, f.key)
             WHEN 'text' THEN job.args ->> f.key
             WHEN 'integer' THEN job.args -> f.key
             WHEN 'real' THEN job.args -> f.key
             WHEN 'true' THEN 'true'
             WHEN 'false' THEN 'false'
           END) IS NOT f.value))
  AND (:metadata IS NULL OR NOT EXISTS (
    SELECT 1 FROM json_each(:metadata) AS f
    WHERE NOT EXISTS (
      SELECT 1 FROM json_each(job.metadata) AS m WHERE m.key = f.key AND m.value = f.value)))
ORDER BY id {direction}
LIMIT :limit;

-- name: JobCancel
-- The store checked in the same transaction that the job is not final, and built the error.
UPDATE job
SET state = 'cancelled', finalized_at = :now, lease_owner = NULL, lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json(:error))
WHERE id = :id
RETURNING has_dependents;

-- name: JobRetry
UPDATE job
SET state = 'available', scheduled_at = :now, finalized_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL,
    max_attempts = max(max_attempts, attempt + 1)
WHERE id = :id AND state <> 'running';

-- name: JobImportHistory
-- The history of a job just imported from another store (JobImport), in the write that inserted it.
UPDATE job
SET attempt = :attempt,
    errors = json(:errors),
    state = CASE WHEN :retrying = 1 THEN 'retryable' ELSE state END
WHERE id = :id;

-- name: JobDelete
-- The rows of job_dependency in which the job waits go with it (ON DELETE CASCADE).
DELETE FROM job WHERE id = :id AND state <> 'running'
RETURNING has_dependents;

-- name: QueuePause
INSERT INTO queue (name, paused) VALUES (:queue, 1)
ON CONFLICT (name) DO UPDATE SET paused = 1;

-- name: QueueResume
UPDATE queue SET paused = 0 WHERE name = :queue;

-- name: QueueCounts
SELECT queue, state, count(*) FROM job GROUP BY queue, state;

-- name: QueuePaused
SELECT name FROM queue WHERE paused = 1;

-- name: LeaderElect
-- The insert wins when nobody leads; otherwise the update applies only for the current owner (a
-- renewal) or once the holder's term has expired. A row comes back only if the asker now leads.
INSERT INTO leader (name, owner, elected_at, expires_at)
VALUES (:name, :owner, :now, :expiresAt)
ON CONFLICT (name) DO UPDATE
SET owner = excluded.owner,
    expires_at = excluded.expires_at,
    elected_at = CASE WHEN leader.owner = excluded.owner THEN leader.elected_at
                      ELSE excluded.elected_at END
WHERE leader.owner = excluded.owner OR leader.expires_at < excluded.elected_at
RETURNING owner;

-- name: LeaderResign
DELETE FROM leader WHERE name = :name AND owner = :owner;

-- name: NodeReport
-- The node's whole entry, replaced: a report says everything about the node as it is now.
INSERT INTO node (id, queues, kinds, started_at, reported_at, expires_at, details)
VALUES (:id, :queues, :kinds, :startedAt, :now, :expiresAt, :details)
ON CONFLICT (id) DO UPDATE
SET queues = excluded.queues, kinds = excluded.kinds, started_at = excluded.started_at,
    reported_at = excluded.reported_at, expires_at = excluded.expires_at,
    details = excluded.details;

-- name: NodeRemove
DELETE FROM node WHERE id = :id;

-- name: NodeList
SELECT id, queues, kinds, started_at, reported_at, expires_at, details FROM node
WHERE expires_at >= :now
ORDER BY id;

-- name: NodePrune
DELETE FROM node WHERE expires_at < :now;
