-- Makes scheduled and retryable jobs due by `now` available, scheduled ones first, at most `limit`.
-- Whoever removes a job from `schedule` or `retry` moves it (ZREM answers 1 to one caller only),
-- as Sidekiq's own poller does, so Errand nodes and Sidekiq processes can share the sets. A job
-- there that Sidekiq's client wrote (no errand_id) is adopted as it moves. ARGV: prefix, now (us),
-- limit. Returns queue, count, queue, count...
local now_us, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local staged, per_queue = 0, {}
for _, set in ipairs({ k('schedule'), k('retry') }) do
  if staged >= limit then
    break
  end
  local due = redis.call('ZRANGEBYSCORE', set, '-inf', seconds(now_us), 'WITHSCORES', 'LIMIT', 0,
    limit - staged)
  for i = 1, #due, 2 do
    local member = due[i]
    local id = string.match(member, '"errand_id":(%d+)')
    local job = nil
    if id then
      job = load(id)
    end
    if redis.call('ZREM', set, member) == 1 then
      if job then
        -- Already out of its sorted set: only its views change with it.
        unindex(id, job)
        local before = {}
        for field, value in pairs(job) do
          before[field] = value
        end
        job.state = 'available'
        attach(id, job, '', before)
      elseif not id then
        local adopted
        adopted, job = adopt(member, 'default', 'available', micros(tonumber(due[i + 1]), now_us),
          now_us)
        if adopted then
          attach(adopted, job, '')
        else
          -- Not a job: Sidekiq sends what it cannot read to its dead set.
          redis.call('ZADD', k('dead'), seconds(now_us), member)
        end
      end
      if job then
        per_queue[job.queue] = (per_queue[job.queue] or 0) + 1
        staged = staged + 1
      end
    end
  end
end
local out = {}
for queue, count in pairs(per_queue) do
  out[#out + 1] = queue
  out[#out + 1] = count
end
return done(out)
