-- Jobs that wait on other jobs (dependencies), and batches (a callback waiting on its members).
-- V003 is left to the unique-jobs migration; the Migrator applies whatever is not yet recorded,
-- so versions need not be contiguous.

-- A job waiting on its dependencies. Added, not used below: a new enum value may not be used in
-- the transaction that adds it.
ALTER TYPE {schema}.job_state ADD VALUE IF NOT EXISTS 'pending' BEFORE 'scheduled';

-- Columns with constant defaults: PostgreSQL adds them without rewriting the table.
ALTER TABLE {schema}.job
  -- Set once some job waits on this one: finishing a job without it costs no dependency work.
  ADD COLUMN has_dependents boolean NOT NULL DEFAULT false,
  -- How this job's dependencies ended so far; it leaves 'pending' when deps_waiting reaches 0.
  ADD COLUMN deps_waiting integer NOT NULL DEFAULT 0,
  ADD COLUMN deps_completed integer NOT NULL DEFAULT 0,
  ADD COLUMN deps_discarded integer NOT NULL DEFAULT 0,
  ADD COLUMN deps_cancelled integer NOT NULL DEFAULT 0,
  -- The policy DependencyFailure.CANCEL (true) or RUN (false).
  ADD COLUMN cancel_on_dependency_failure boolean NOT NULL DEFAULT true;

-- One row per dependency that has not ended yet: job_id waits on depends_on_id. The row is
-- deleted when depends_on_id ends, in the same transaction that counts the end in job_id's
-- counters, so an end is counted once even if the dependency is retried by hand and ends again.
-- No foreign key on depends_on_id: deleting a dependency must leave its rows to be resolved as
-- a cancellation.
CREATE TABLE {schema}.job_dependency (
  depends_on_id bigint NOT NULL,
  job_id        bigint NOT NULL REFERENCES {schema}.job (id) ON DELETE CASCADE,
  PRIMARY KEY (depends_on_id, job_id)
);

-- The cascade when a waiting job is deleted or pruned looks rows up by job_id.
CREATE INDEX job_dependency_job_idx ON {schema}.job_dependency (job_id);
