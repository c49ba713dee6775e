-- When the holder of a job's latest attempt last renewed its lease (JobInfo.heartbeatAt), in
-- microseconds, for the dashboard's job page. The claim clears it and each heartbeat sets it, in
-- the statements that already write the row, so it costs no statement and no index of its own.
-- Null for jobs that have had no heartbeat, which includes every job before this migration.
ALTER TABLE job ADD COLUMN heartbeat_at INTEGER;
