-- Errand's tables on SQLite. Times are integers: microseconds since the epoch (UTC), the precision
-- PostgreSQL keeps too, so that a job reads back the same on every store. JSON columns are text.
-- STRICT: a value of the wrong type is an error, not silently stored as something else.

CREATE TABLE job (
  -- AUTOINCREMENT: an id is never handed out twice, even after the newest job was deleted.
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  -- scheduled, available, running, retryable, completed, discarded or cancelled. No CHECK of the
  -- list: SQLite cannot alter a constraint, so a new state would cost a rebuild of the table.
  state            TEXT NOT NULL,
  queue            TEXT NOT NULL,
  kind             TEXT NOT NULL,
  args             TEXT NOT NULL,
  priority         INTEGER NOT NULL DEFAULT 0,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  scheduled_at     INTEGER NOT NULL,
  attempted_at     INTEGER,
  finalized_at     INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  tags             TEXT NOT NULL DEFAULT '[]',
  metadata         TEXT NOT NULL DEFAULT '{}',
  errors           TEXT NOT NULL DEFAULT '[]'
) STRICT;

-- Partial indexes, as on PostgreSQL: each holds only the rows in the states its reader looks at,
-- so the fetch index stays small however many finished jobs the table keeps. SQLite uses a
-- partial index only when the query repeats its WHERE term literally: store.sql does.

-- The claim: the next available jobs of a queue in priority, run time, id order.
CREATE INDEX job_fetch_idx ON job (queue, priority, scheduled_at, id)
  WHERE state = 'available';

-- The stager: scheduled and retryable jobs by run time.
CREATE INDEX job_waiting_idx ON job (scheduled_at, id)
  WHERE state IN ('scheduled', 'retryable');

-- The rescuer: running jobs by lease expiry.
CREATE INDEX job_lease_idx ON job (lease_expires_at)
  WHERE state = 'running';

-- The pruner: finished jobs by finalization time.
CREATE INDEX job_finalized_idx ON job (finalized_at)
  WHERE state IN ('completed', 'discarded', 'cancelled');

-- Queues that have been paused at least once; a queue without a row is not paused.
CREATE TABLE queue (
  name       TEXT PRIMARY KEY,
  paused     INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One row per leadership: who holds it and until when. Within one process the leader is always
-- this process, but the engine elects through the store like on any other.
CREATE TABLE leader (
  name       TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  elected_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
