-- Claims up to `limit` available jobs of one queue in fetch order, each due by `now` and of one of
-- the given kinds (all kinds when none is given), under a lease. ARGV: prefix, queue, limit, owner,
-- now (us), lease expiry (us), kind count, kinds... Returns each claimed job's fields.
--
-- Priority by priority, the next jobs in fetch order are the right end of that priority's list:
-- while every job taken so far was the next one, each is one RPOP; one that is skipped (not due
-- yet, or of another kind) makes the later ones LREMs from the right. Looks at most 1,000 jobs past
-- the limit, so a queue full of other kinds costs a bounded scan per fetch.
local queue, limit, owner = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local kinds = nil
if tonumber(ARGV[7]) > 0 then
  kinds = {}
  for i = 1, tonumber(ARGV[7]) do
    kinds[ARGV[7 + i]] = true
  end
end
if redis.call('SISMEMBER', k('errand:paused'), queue) == 1 then
  return done({})
end
local out = {}
local scanned, max_scan = 0, 1000 + limit
local now = pad(ARGV[5], 18)
for priority = 0, 9 do
local order, list = order_set(queue, priority), list_key(queue, priority)
local next_in_line, start = true, 0
while #out < limit and scanned < max_scan do
  local batch = redis.call('ZRANGE', order, start, start + 99)
  if #batch == 0 then
    break
  end
  local taken = 0
  for _, ord in ipairs(batch) do
    if #out >= limit or scanned >= max_scan then
      break
    end
    scanned = scanned + 1
    local job = nil
    if string.sub(ord, 1, 18) <= now then
      local id = tonumber(string.sub(ord, 19))
      job = load(id)
      if kinds and not kinds[job.kind] then
        job = nil
      end
      if job then
        if next_in_line then
          local popped = redis.call('RPOP', list)
          if popped ~= job.pl then
            error('ERRAND the list ' .. list .. ' does not end with job ' .. id)
          end
        else
          redis.call('LREM', list, -1, job.pl)
        end
        redis.call('ZREM', order, ord)
        unindex(id, job)
        local before = {}
        for field, value in pairs(job) do
          before[field] = value
        end
        job.state = 'running'
        job.attempt = tonumber(job.attempt) + 1
        job.attempted_at = ARGV[5]
        job.lease_owner = owner
        job.lease_expires_at = ARGV[6]
        attach(id, job, '', before)
        taken = taken + 1
        out[#out + 1] = flat(job)
      end
    end
    if not job then
      next_in_line = false
    end
  end
  start = start + #batch - taken
end
end
return done(out)
