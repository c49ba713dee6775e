-- Makes scheduled and retryable jobs due by `now` available, scheduled ones first, at most `limit`.
-- Whoever removes a job from `schedule` or `retry` moves it (ZREM answers 1 to one caller only),
-- as Sidekiq's own poller does. ARGV: prefix, now (us), limit. Returns queue, count, queue, count...
local now_us, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local staged, per_queue = 0, {}
for _, set in ipairs({ k('schedule'), k('retry') }) do
  if staged >= limit then
    break
  end
  local due = redis.call('ZRANGEBYSCORE', set, '-inf', seconds(now_us), 'LIMIT', 0, limit - staged)
  for _, member in ipairs(due) do
    local id = string.match(member, '"errand_id":(%d+)')
    if id and redis.call('ZREM', set, member) == 1 then
      local job = load(id)
      -- Already out of its sorted set: only its views change with it.
      unindex(id, job)
      local before = {}
      for field, value in pairs(job) do
        before[field] = value
      end
      job.state = 'available'
      attach(id, job, '', before)
      per_queue[job.queue] = (per_queue[job.queue] or 0) + 1
      staged = staged + 1
    end
  end
end
local out = {}
for queue, count in pairs(per_queue) do
  out[#out + 1] = queue
  out[#out + 1] = count
end
return done(out)
