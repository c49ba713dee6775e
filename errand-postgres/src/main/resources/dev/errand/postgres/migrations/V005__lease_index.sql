-- The rescuer's index, keyed on the lease rather than on the state. A lease is set exactly while a
-- job runs (the claim sets it; every statement that ends or requeues a running job clears it), so
-- the index holds the same rows as before. What changes is which statements can use it: with
-- "WHERE state = 'running'" as its predicate, the planner also chose it for the fence of the
-- completer's batch update ("j.state = 'running'") and walked the whole index, every claimed job's
-- dead entry included, once per batch; on a 300,000-job burn-down that was most of PostgreSQL's
-- time. Nothing on the hot path filters on lease_expires_at, so the completer now probes the
-- primary key only, and the rescuer's "lease_expires_at < $now" still implies this predicate.
DROP INDEX {schema}.job_lease_idx;

CREATE INDEX job_lease_idx ON {schema}.job (lease_expires_at)
  WHERE lease_expires_at IS NOT NULL;
