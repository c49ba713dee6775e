-- Writes the results of attempts, each only if its job still runs that attempt (the fence). ARGV:
-- prefix, count, then per result: type, id, attempt, at (us), n, and n more values:
--   completed  follow-up count, then nine insert fields per follow-up (see insert.lua)
--   failed     error JSON, error class, message, retry time (us) or '' to discard
--   snoozed    run time (us)
--   cancelled  error JSON
--   released   nothing: available again at `at`
-- Follow-ups are inserted after every result is written. Returns the ids whose result was applied.
local results = tonumber(ARGV[2])
local applied, follow_ups = {}, {}
local i = 3
-- Sidekiq's counters, added up over the batch: attempts that ended, and those that failed, in
-- total and per day.
local stats, dates = {}, {}
local function count_stat(name, at_us)
  local day = math.floor(at_us / 86400000000)
  local date = dates[day]
  if not date then
    date = string.sub(iso(day * 86400000000), 1, 10)
    dates[day] = date
  end
  for _, key in ipairs({ 'stat:' .. name, 'stat:' .. name .. ':' .. date }) do
    stats[key] = (stats[key] or 0) + 1
  end
end
for _ = 1, results do
  local kind, id, attempt, at_us, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local v, i_at = i + 5, i + 3
  i = v + n
  local held = redis.call('HMGET', job_key(id), 'state', 'attempt', 'queue')
  if held[1] == 'running' and held[2] == attempt and kind == 'completed' then
    -- The common result, written without reading the whole job: it leaves no Sidekiq JSON.
    redis.call('ZREM', k('errand:running'), id)
    redis.call('ZADD', k('errand:finished'), int(at_us), id)
    redis.call('ZADD', k('errand:state:completed'), id, id)
    redis.call('HSET', job_key(id), 'state', 'completed', 'finalized_at', int(at_us),
      'lease_owner', '', 'lease_expires_at', '', 'pl', '')
    count(held[3], 'running', -1)
    count(held[3], 'completed', 1)
    count_stat('processed', at_us)
    if tonumber(ARGV[v]) > 0 then
      follow_ups[#follow_ups + 1] = { v + 1, tonumber(ARGV[v]), at_us }
    end
    applied[#applied + 1] = tonumber(id)
  elseif held[1] == 'running' and held[2] == attempt then
    local job = load(id)
    local extra = ''
    local function release_lease(j)
      j.lease_owner = false
      j.lease_expires_at = false
    end
    if kind == 'completed' then
      move(id, job, function(j)
        release_lease(j)
        j.state = 'completed'
        j.finalized_at = at_us
      end)
      count_stat('processed', at_us)
      if tonumber(ARGV[v]) > 0 then
        follow_ups[#follow_ups + 1] = { v + 1, tonumber(ARGV[v]), at_us }
      end
    elseif kind == 'failed' then
      local retry_at = ARGV[v + 3]
      extra = failure_extra(job, ARGV[v + 1], ARGV[v + 2], at_us)
      move(id, job, function(j)
        release_lease(j)
        append_error(j, ARGV[v])
        if retry_at == '' then
          j.state = 'discarded'
          j.finalized_at = at_us
        else
          j.state = 'retryable'
          j.scheduled_at = retry_at
        end
      end, extra)
      count_stat('processed', at_us)
      count_stat('failed', at_us)
    elseif kind == 'snoozed' then
      local run_at = ARGV[v]
      move(id, job, function(j)
        release_lease(j)
        j.attempt = tonumber(j.attempt) - 1
        j.scheduled_at = run_at
        j.state = after(run_at, at_us) and 'scheduled' or 'available'
      end)
    elseif kind == 'cancelled' then
      move(id, job, function(j)
        release_lease(j)
        append_error(j, ARGV[v])
        j.state = 'cancelled'
        j.finalized_at = at_us
      end)
    elseif kind == 'released' then
      move(id, job, function(j)
        release_lease(j)
        j.attempt = tonumber(j.attempt) - 1
        j.scheduled_at = ARGV[i_at]
        j.state = 'available'
      end)
    else
      error('ERRAND unknown result type ' .. kind)
    end
    applied[#applied + 1] = tonumber(id)
  end
end
for _, f in ipairs(follow_ups) do
  local first = new_ids(f[2])
  for j = 0, f[2] - 1 do
    insert_job(f[3], f[1] + j * 9, first + j)
  end
end
for key, n in pairs(stats) do
  redis.call('INCRBY', k(key), n)
end
return done(applied)
