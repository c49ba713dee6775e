-- B-tree deduplication off where no two entries share a key. Before splitting a full leaf page,
-- PostgreSQL tries to merge entries with equal keys into one; the fetch and waiting indexes end in
-- the job id and finalization times hardly ever repeat a microsecond, so there is nothing to merge;
-- yet every page that filled during a bulk insert paid for the attempt: inserting 300,000 jobs into an
-- index shaped like job_fetch_idx took about 440 ms with it and 380 ms without. The lease index
-- keeps it: a claim gives every job it takes the same lease expiry. It applies to inserts from now
-- on; entries merged before stay merged.
ALTER INDEX {schema}.job_fetch_idx SET (deduplicate_items = off);
ALTER INDEX {schema}.job_waiting_idx SET (deduplicate_items = off);
ALTER INDEX {schema}.job_finalized_idx SET (deduplicate_items = off);
