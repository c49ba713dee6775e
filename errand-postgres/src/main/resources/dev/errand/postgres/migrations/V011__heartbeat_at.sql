-- When the holder of a job's latest attempt last renewed its lease (JobInfo.heartbeatAt), for the
-- dashboard's job page. The claim (JobFetch) clears it and each heartbeat (JobHeartbeat) sets it:
-- one more column in updates that already write the row, so no statement and no index of its
-- own. Null for jobs that have had no heartbeat, which includes every job before this migration;
-- a nullable column without a default is added without rewriting the table.
ALTER TABLE {schema}.job ADD COLUMN heartbeat_at timestamptz;
