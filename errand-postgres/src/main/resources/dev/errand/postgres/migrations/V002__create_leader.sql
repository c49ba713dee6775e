-- One row per leadership (the maintenance leader, later others): who holds it and until when.
CREATE TABLE {schema}.leader (
  name       text PRIMARY KEY,
  owner      text NOT NULL,
  elected_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
