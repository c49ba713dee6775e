-- What the dashboard's counts need to stay cheap on a big table (QueueCountSample, QueueCountEstimates).
--
-- Pending jobs (waiting for their dependencies) were the one state no partial index held, so
-- counting them meant reading the whole table. Like the other partial indexes, this one gets an
-- entry only while a job is pending: a job without dependencies never writes to it.
CREATE INDEX job_pending_idx ON {schema}.job (id) WHERE state = 'pending';

-- A count past the bound is estimated from the planner's statistics. Per-column statistics would
-- multiply the queue's share of the table by the state's, as if they were unrelated, which they
-- are not (a busy queue has most of its jobs completed, a stuck one most available); this keeps
-- the most common (queue, state) pairs with their share, refreshed by every ANALYZE. It costs
-- ANALYZE a little and writes nothing on the hot path.
CREATE STATISTICS {schema}.job_queue_state (mcv) ON queue, state FROM {schema}.job;
