-- A job's dependency edges, read both ways for the dashboard's job page (JobEdges), each side in
-- id order with a limit. From a dependency to the jobs waiting on it, the primary key
-- (depends_on_id, job_id) already returns them in order. From a job to what it waits on, the
-- index on job_id alone found the rows but not their order: a btree keeps equal keys in heap
-- order, so a batch callback waiting on 10,000 members was read whole and sorted for a page of
-- 100. This index keeps depends_on_id after job_id, serving the limit directly, and still serves
-- the cascade that looks rows up by job_id, so it replaces the old one rather than adding a third.
CREATE INDEX job_dependency_job_edge_idx ON {schema}.job_dependency (job_id, depends_on_id);

DROP INDEX {schema}.job_dependency_job_idx;
