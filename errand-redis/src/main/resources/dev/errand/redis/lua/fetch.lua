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
-- JOB_FIELDS, then what the claim needs besides.
local wanted = { unpack(JOB_FIELDS) }
wanted[#wanted + 1] = 'uk'
wanted[#wanted + 1] = 'pl'
local UK, PL, STATE, ATTEMPT, ATTEMPTED_AT, LEASE_OWNER, LEASE_EXPIRES_AT, KIND =
  #JOB_FIELDS + 1, #JOB_FIELDS + 2, 4, 7, 11, 13, 14, 2
local running = k('errand:running')
for priority = 0, 9 do
  local order, list = order_set(queue, priority), list_key(queue, priority)
  local next_in_line, start = true, 0
  while #out < limit and scanned < max_scan do
    -- The claimed ones leave the set at the end of the script: the window moves past them.
    local batch = redis.call('ZRANGE', order, start, start + 99)
    if #batch == 0 then
      break
    end
    for _, ord in ipairs(batch) do
      if #out >= limit or scanned >= max_scan then
        break
      end
      scanned = scanned + 1
      local claimed = false
      if string.sub(ord, 1, 18) <= now then
        local id = tonumber(string.sub(ord, 19))
        local key = job_key(id)
        local job = redis.call('HMGET', key, unpack(wanted))
        if not kinds or kinds[job[KIND]] then
          claimed = true
          if next_in_line then
            local popped = redis.call('RPOP', list)
            if not popped or not string.find(popped, '"errand_id":' .. int(id) .. '[,}]') then
              error('ERRAND the list ' .. list .. ' does not end with job ' .. int(id))
            end
          else
            redis.call('LREM', list, -1, job[PL])
          end
          zrem_later(order, ord)
          local attempt = int(tonumber(job[ATTEMPT]) + 1)
          if job[UK] and job[UK] ~= '' then
            -- A unique job's key may move with its state: the general path. Its list entry is
            -- gone already and its order entry leaves at the end.
            local whole = load(id)
            unindex(id, whole)
            local before = {}
            for field, value in pairs(whole) do
              before[field] = value
            end
            whole.state, whole.attempt, whole.attempted_at = 'running', attempt, ARGV[5]
            whole.lease_owner, whole.lease_expires_at = owner, ARGV[6]
            attach(id, whole, '', before)
          else
            zrem_later(k('errand:state:available'), int(id))
            zadd_later(running, ARGV[6], int(id))
            count(queue, 'available', -1)
            count(queue, 'running', 1)
            redis.call('HSET', key, 'state', 'running', 'attempt', attempt, 'attempted_at', ARGV[5],
              'lease_owner', owner, 'lease_expires_at', ARGV[6])
          end
          job[STATE], job[ATTEMPT], job[ATTEMPTED_AT] = 'running', attempt, ARGV[5]
          job[LEASE_OWNER], job[LEASE_EXPIRES_AT] = owner, ARGV[6]
          job[PL], job[UK] = nil, nil
          out[#out + 1] = job
        end
      end
      if not claimed then
        next_in_line = false
      end
    end
    start = start + #batch
  end
end
return done(out)
