-- What the dashboard's counts need to stay cheap on a big table (QueueCountSample, QueueCountEstimates).
--
-- Pending jobs (waiting for their dependencies) were the one state no partial index held, so
-- counting them meant reading the whole table. Like the other partial indexes, this one gets an
-- entry only while a job waits: a job without dependencies never writes to it. Keyed on
-- deps_waiting, which is above 0 for every pending job, rather than on state = 'pending': V004
-- added that value to the enum, and a script of all migrations applied as one transaction
-- (errand migrate --print-sql | psql --single-transaction) may not use it before it commits.
CREATE INDEX job_pending_idx ON {schema}.job (id) WHERE deps_waiting > 0;

-- A count past the bound is estimated from the planner's statistics. Per-column statistics would
-- multiply the queue's share of the table by the state's, as if they were unrelated, which they
-- are not (a busy queue has most of its jobs completed, a stuck one most available); this keeps
-- the most common (queue, state) pairs with their share, refreshed by every ANALYZE. It costs
-- ANALYZE a little and writes nothing on the hot path.
CREATE STATISTICS {schema}.job_queue_state (mcv) ON queue, state FROM {schema}.job;
