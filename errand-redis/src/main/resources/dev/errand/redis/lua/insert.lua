-- Inserts jobs. ARGV: prefix, now (us), count, then nine fields per job: kind, queue, args JSON,
-- priority, scheduled_at (us), max_attempts, tags JSON, metadata JSON, and the start of its
-- Sidekiq JSON (an object left open). Returns id, state, id, state...
local now_us = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local out = {}
local first = new_ids(count)
for i = 0, count - 1 do
  local inserted = insert_job(now_us, 4 + i * 9, first + i)
  out[#out + 1] = inserted[1]
  out[#out + 1] = inserted[2]
end
return done(out)
