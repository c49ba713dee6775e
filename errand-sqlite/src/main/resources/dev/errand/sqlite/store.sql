-- Errand's statements on SQLite, one named block each, loaded once when the store opens.
-- Times are microseconds since the epoch and always come from the caller's clock. Every write runs
-- on the store's one writer connection inside BEGIN IMMEDIATE, so no statement here needs row
-- locks or SKIP LOCKED: writers take turns, readers see the last commit (WAL).

-- name: JobInsert
-- One row per execution; a batch runs it once per job inside one transaction, which costs a
-- few microseconds per row in-process (no round-trip to amortize, unlike PostgreSQL).
INSERT INTO job
  (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags, metadata)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: JobFetch
-- The subquery walks job_fetch_idx (queue, then fetch order) and stops at the limit; the pause
-- check is one primary-key probe of the queue table. RETURNING follows no order: the store sorts.
UPDATE job
SET state = 'running', attempt = attempt + 1, attempted_at = ?1,
    lease_owner = ?2, lease_expires_at = ?3
WHERE id IN (
  SELECT id FROM job
  WHERE state = 'available' AND queue = ?4 AND scheduled_at <= ?1
    AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.name = ?4 AND q.paused = 1)
  ORDER BY priority, scheduled_at, id
  LIMIT ?5
)
RETURNING *;

-- name: JobFinish
-- Every kind of result through one statement: the row carries its target state and changes.
-- The WHERE clause is the fence: it applies only while the job still runs at the attempt that
-- produced the result. The rescuer writes its "lease expired" results through it too.
UPDATE job
SET state = ?1,
    attempt = attempt + ?2,
    scheduled_at = coalesce(?3, scheduled_at),
    finalized_at = ?4,
    errors = CASE WHEN ?5 IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(?5)) END,
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE id = ?6 AND state = 'running' AND attempt = ?7
RETURNING queue;

-- name: JobHeartbeat
UPDATE job SET lease_expires_at = ?1
WHERE id = ?2 AND attempt = ?3 AND state = 'running' AND lease_owner = ?4;

-- name: JobExpired
-- Walks job_lease_idx, oldest expiry first.
SELECT id, attempt, max_attempts, lease_owner, lease_expires_at FROM job
WHERE state = 'running' AND lease_expires_at < ?1
ORDER BY lease_expires_at
LIMIT ?2;

-- name: JobStage
UPDATE job SET state = 'available'
WHERE id IN (
  SELECT id FROM job
  WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= ?1
  ORDER BY scheduled_at, id
  LIMIT ?2
)
RETURNING queue;

-- name: JobPrune
-- Bounded: a write transaction blocks every other writer of the file, so it stays short.
DELETE FROM job
WHERE id IN (
  SELECT id FROM job
  WHERE (state = 'completed' AND finalized_at < ?1)
     OR (state = 'discarded' AND finalized_at < ?2)
     OR (state = 'cancelled' AND finalized_at < ?3)
  LIMIT ?4
);

-- name: JobGet
SELECT * FROM job WHERE id = ?1;

-- name: JobList
-- ?2 is the wanted states as a JSON array, or null for all of them.
SELECT * FROM job
WHERE id > ?1
  AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2)))
  AND (?3 IS NULL OR queue = ?3)
  AND (?4 IS NULL OR kind = ?4)
ORDER BY id
LIMIT ?5;

-- name: JobCancel
-- The store checked in the same transaction that the job is not final, and built the error.
UPDATE job
SET state = 'cancelled', finalized_at = ?1, lease_owner = NULL, lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json(?2))
WHERE id = ?3;

-- name: JobRetry
UPDATE job
SET state = 'available', scheduled_at = ?1, finalized_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL,
    max_attempts = max(max_attempts, attempt + 1)
WHERE id = ?2 AND state <> 'running';

-- name: JobDelete
DELETE FROM job WHERE id = ?1 AND state <> 'running';

-- name: QueuePause
INSERT INTO queue (name, paused) VALUES (?1, 1)
ON CONFLICT (name) DO UPDATE SET paused = 1;

-- name: QueueResume
UPDATE queue SET paused = 0 WHERE name = ?1;

-- name: QueueCounts
SELECT queue, state, count(*) FROM job GROUP BY queue, state;

-- name: QueuePaused
SELECT name FROM queue WHERE paused = 1;

-- name: LeaderElect
-- The insert wins when nobody leads; otherwise the update applies only for the current owner (a
-- renewal) or once the holder's term has expired. A row comes back only if the asker now leads.
INSERT INTO leader (name, owner, elected_at, expires_at)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (name) DO UPDATE
SET owner = excluded.owner,
    expires_at = excluded.expires_at,
    elected_at = CASE WHEN leader.owner = excluded.owner THEN leader.elected_at
                      ELSE excluded.elected_at END
WHERE leader.owner = excluded.owner OR leader.expires_at < excluded.elected_at
RETURNING owner;

-- name: LeaderResign
DELETE FROM leader WHERE name = ?1 AND owner = ?2;
