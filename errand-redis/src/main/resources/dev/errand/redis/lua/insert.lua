-- Inserts jobs. ARGV: prefix, now (us), count, batch ('1': the last job is a batch's callback and
-- waits on every other, whatever becomes of them), then INSERT_FIELDS (9) fields per job: queue,
-- priority, scheduled_at (us), the start of its Sidekiq JSON (an object left open), the JSON of
-- what it is made with as errand:data keeps it (kind, queue, args, priority, max_attempts, tags,
-- metadata, created_at; strings, empty ones left out), unique key ('' for none), unique states
-- (',available,running,...,'), the ids it waits on (comma-separated), what it does if one of them
-- fails ('cancel' or 'run'). Returns id, state, duplicate (1 or 0) per job.
local now_us = tonumber(ARGV[2])
local count, batch = tonumber(ARGV[3]), ARGV[4] == '1'
local missing = missing_dependency(5, count)
if missing then
  return redis.error_reply('ERRAND_UNKNOWN_DEPENDENCY ' .. missing)
end
local out = {}
local first = new_ids(count)
local members = {}
for i = 0, count - 1 do
  local callback = batch and i == count - 1
  local inserted = insert_job(now_us, 5 + i * INSERT_FIELDS, first + i, callback and members or nil)
  members[#members + 1] = inserted[1]
  out[#out + 1] = inserted[1]
  out[#out + 1] = inserted[2]
  out[#out + 1] = inserted[3]
end
return done(out)
