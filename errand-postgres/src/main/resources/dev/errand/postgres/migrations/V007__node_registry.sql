-- The node registry: one row per live Errand node, rewritten by the node itself at every report
-- (NodeReporter), deleted when it stops; the row of a node that died stops counting at expires_at
-- and the maintenance leader deletes it later. Read when a node first enqueues into a queue it
-- does not work (is anyone working it?) and by the dashboard. A few rows, each rewritten every
-- few seconds: no index beyond the key.
CREATE TABLE {schema}.node (
  id          text COLLATE "C" PRIMARY KEY,
  -- {"default": 20, "import": 2}: each queue the node works, with its concurrency there.
  queues      jsonb NOT NULL,
  -- ["email", "resize"]: the kinds the node has workers for, the only ones it claims.
  kinds       jsonb NOT NULL,
  started_at  timestamptz NOT NULL,
  reported_at timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
