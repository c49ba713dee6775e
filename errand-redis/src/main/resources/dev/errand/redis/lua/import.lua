-- Imports jobs brought from another store (JobImport). ARGV: prefix, now (us), count, then per job
-- INSERT_FIELDS (9) fields as insert.lua reads them (with a unique key, which names the job's
-- origin), then IMPORT_FIELDS (6): retrying ('1' or '0'), attempt, errors JSON, and the class,
-- message and time (us) of its last error, which Sidekiq's retry set shows for a retrying job.
-- Returns id, state, duplicate (1 or 0) per job; a job whose key is held is not stored.
local IMPORT_FIELDS = 6
local now_us = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local out = {}
local first = new_ids(count)
for i = 0, count - 1 do
  local base = 4 + i * (INSERT_FIELDS + IMPORT_FIELDS)
  local h = base + INSERT_FIELDS
  local history = { retrying = ARGV[h] == '1', attempt = tonumber(ARGV[h + 1]), errors = ARGV[h + 2] }
  if history.retrying then
    history.extra = failure_extra(history, ARGV[h + 3], ARGV[h + 4], tonumber(ARGV[h + 5]))
  end
  local inserted = insert_job(now_us, base, first + i, nil, history)
  out[#out + 1] = inserted[1]
  out[#out + 1] = inserted[2]
  out[#out + 1] = inserted[3]
end
return done(out)
