-- The node registry: one row per live Errand node, rewritten by the node at every report
-- (NodeReporter), deleted when it stops; the row of a node that died stops counting at expires_at
-- and the maintenance leader deletes it later. Within one process there is one node per file, but
-- the engine reads the registry through the store like on any other. Times in microseconds.
CREATE TABLE node (
  id          TEXT PRIMARY KEY,
  -- {"default":20,"import":2}: each queue the node works, with its concurrency there.
  queues      TEXT NOT NULL,
  -- ["email","resize"]: the kinds the node has workers for, the only ones it claims.
  kinds       TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  reported_at INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
