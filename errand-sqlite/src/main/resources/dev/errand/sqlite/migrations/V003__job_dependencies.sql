-- Jobs that wait on other jobs (dependencies), and batches (a callback waiting on its members), as
-- on PostgreSQL. A waiting job is in state 'pending': the state column has no CHECK, so the new
-- state needs no rebuild of the table. Added columns go last, with constant defaults: SQLite adds
-- them without rewriting a row, and the statements that name their columns are unchanged.

-- Set once some job waits on this one: finishing a job without it costs no dependency work.
ALTER TABLE job ADD COLUMN has_dependents INTEGER NOT NULL DEFAULT 0;
-- How this job's dependencies ended so far; it leaves 'pending' when deps_waiting reaches 0.
ALTER TABLE job ADD COLUMN deps_waiting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN deps_completed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN deps_discarded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN deps_cancelled INTEGER NOT NULL DEFAULT 0;
-- The policy DependencyFailure.CANCEL (1) or RUN (0).
ALTER TABLE job ADD COLUMN cancel_on_dependency_failure INTEGER NOT NULL DEFAULT 1;

-- One row per dependency that has not ended yet: job_id waits on depends_on_id. The row is deleted
-- when depends_on_id ends, in the same write transaction that counts the end in job_id's counters,
-- so an end is counted once even if the dependency is retried by hand and ends again. No foreign
-- key on depends_on_id: deleting a dependency must leave its rows to be resolved as a
-- cancellation. The cascade on job_id drops the rows of a waiting job that is deleted or pruned
-- (the store's connections turn foreign_keys on). WITHOUT ROWID: the primary key is the whole row,
-- and the resolution of an ended job reads a range of it.
CREATE TABLE job_dependency (
  depends_on_id INTEGER NOT NULL,
  job_id        INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  PRIMARY KEY (depends_on_id, job_id)
) STRICT, WITHOUT ROWID;

-- The cascade when a job is deleted or pruned looks rows up by job_id; without this index every
-- deleted job would scan the table.
CREATE INDEX job_dependency_job_idx ON job_dependency (job_id);
