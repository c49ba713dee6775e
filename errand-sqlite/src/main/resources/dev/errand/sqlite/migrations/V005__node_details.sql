-- What a node reports beside its queues and kinds (NodeColumns.detailsJson): whether it is the
-- maintenance leader, and its periodic jobs with their next slots, for the dashboard's nodes and
-- cron pages. One JSON text, rewritten whole at every report like the rest of the row.
ALTER TABLE node ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
