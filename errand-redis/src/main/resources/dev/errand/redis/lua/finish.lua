-- Writes the results of attempts, each only if its job still runs that attempt (the fence). ARGV:
-- prefix, count, then per result: type, id, attempt, at (us), n, and n more values:
--   completed  follow-up count, then INSERT_FIELDS insert fields per follow-up (see insert.lua)
--   failed     error JSON, error class, message, retry time (us) or '' to discard
--   snoozed    run time (us)
--   cancelled  error JSON
-- An error is kept with the run it ended (with_run): the fence makes the job's start and lease
-- those of the attempt that produced the result.
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
-- The results, read first: a follow-up that waits on a job not stored fails the whole call before
-- anything is written.
local parsed = {}
for _ = 1, results do
  local r = { kind = ARGV[i], id = ARGV[i + 1], attempt = ARGV[i + 2], at_us = tonumber(ARGV[i + 3]),
    at = ARGV[i + 3], v = i + 5 }
  i = r.v + tonumber(ARGV[i + 4])
  r.held = redis.call('HMGET', job_key(r.id), 'state', 'attempt', 'queue', 'uk', 'has_dependents')
  r.current = r.held[1] == 'running' and r.held[2] == r.attempt
  if r.current and r.kind == 'completed' and tonumber(ARGV[r.v]) > 0 then
    local missing = missing_dependency(r.v + 1, tonumber(ARGV[r.v]))
    if missing then
      return redis.error_reply('ERRAND_UNKNOWN_DEPENDENCY ' .. missing)
    end
  end
  parsed[#parsed + 1] = r
end
local function release_lease(j)
  j.lease_owner = false
  j.lease_expires_at = false
end
for _, r in ipairs(parsed) do
  local kind, id, at_us, v, held = r.kind, r.id, r.at_us, r.v, r.held
  if r.current and kind == 'completed' and (held[4] or '') == '' and held[5] ~= '1' then
    -- The common result, written without reading the whole job (no unique key to let go, no
    -- dependents to count it in): it leaves no Sidekiq JSON.
    zrem_later(k('errand:running'), id)
    zadd_later(k('errand:finished'), int(at_us), id)
    zadd_later(k('errand:state:completed'), id, id)
    redis.call('HSET', job_key(id), 'state', 'completed', 'finalized_at', int(at_us),
      'lease_owner', '', 'lease_expires_at', '')
    count(held[3], 'running', -1)
    count(held[3], 'completed', 1)
    count_stat('processed', at_us)
    if tonumber(ARGV[v]) > 0 then
      follow_ups[#follow_ups + 1] = { v + 1, tonumber(ARGV[v]), at_us }
    end
    applied[#applied + 1] = tonumber(id)
  elseif r.current then
    local job = load(id)
    if kind == 'completed' then
      finalize(id, job, 'completed', at_us, release_lease)
      count_stat('processed', at_us)
      if tonumber(ARGV[v]) > 0 then
        follow_ups[#follow_ups + 1] = { v + 1, tonumber(ARGV[v]), at_us }
      end
    elseif kind == 'failed' then
      local retry_at = ARGV[v + 3]
      local extra = failure_extra(job, ARGV[v + 1], ARGV[v + 2], at_us)
      local error_text = with_run(ARGV[v], job)
      local function failed(j)
        release_lease(j)
        append_error(j, error_text)
      end
      if retry_at == '' then
        finalize(id, job, 'discarded', at_us, failed, extra)
      else
        move(id, job, function(j)
          failed(j)
          j.state = 'retryable'
          j.scheduled_at = retry_at
        end, extra)
      end
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
      local error_text = with_run(ARGV[v], job)
      finalize(id, job, 'cancelled', at_us, function(j)
        release_lease(j)
        append_error(j, error_text)
      end)
    elseif kind == 'released' then
      move(id, job, function(j)
        release_lease(j)
        j.attempt = tonumber(j.attempt) - 1
        j.scheduled_at = r.at
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
    insert_job(f[3], f[1] + j * INSERT_FIELDS, first + j)
  end
end
for key, n in pairs(stats) do
  redis.call('INCRBY', k(key), n)
end
return done(applied)
