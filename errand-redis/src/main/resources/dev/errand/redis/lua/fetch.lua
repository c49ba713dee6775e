-- Claims up to `limit` available jobs of one queue in fetch order, each due by `now` and of one of
-- the given kinds (all kinds when none is given), under a lease. ARGV: prefix, queue, limit, owner,
-- now (us), lease expiry (us), kind count, kinds... Returns each claimed job's fields (see
-- fields in lib.lua).
--
-- Priority by priority, it walks the queue's list from its right end, where the next job waits:
-- while every job taken so far was the next one, each is one RPOP; one that is skipped (not due
-- yet, or of another kind) makes the later ones LREMs from the right. Looks at most 1,000 jobs past
-- the limit, so a queue full of other kinds costs a bounded scan per fetch. The list may also hold
-- what Sidekiq wrote there: a job pushed by Sidekiq's client (no errand_id) is adopted as it is
-- claimed; one of Errand's that a Sidekiq poller moved there from `schedule` or `retry` is claimed
-- as well; an entry whose job has ended or is gone is dropped.
local queue, limit, owner = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local now_us = tonumber(ARGV[5])
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
local examined, max_scan = 0, 1000 + limit
local now = pad(ARGV[5], 18)
local running = k('errand:running')

-- Moves a stored job to running through the general path (a unique key may move with its state,
-- a job a Sidekiq poller moved leaves the views of its old state). Its list entry is gone.
local function claim_whole(id)
  local job = load(id)
  if job.state == 'available' then
    redis.call('ZREM', order_set(job.queue, job.priority), job.ord)
  elseif job.state ~= 'running' then
    remove_from_place(id, job)
  end
  unindex(id, job)
  local before = {}
  for field, value in pairs(job) do
    before[field] = value
  end
  job.state, job.attempt, job.attempted_at = 'running', tonumber(job.attempt) + 1, ARGV[5]
  job.lease_owner, job.lease_expires_at = owner, ARGV[6]
  -- The claim is no heartbeat: an earlier attempt's goes.
  if job.heartbeat_at and job.heartbeat_at ~= '' then
    job.heartbeat_at = false
  end
  attach(id, job, '', before)
  return fields(id)
end

-- The id in an entry of Errand's, nil in one of Sidekiq's client. errand_id is the last member of
-- a waiting job's JSON, found from the end; a job a Sidekiq poller moved here from `retry` has its
-- failure's fields after it.
local function errand_id(member)
  local at = string.find(member, '"errand_id":', -40, true)
    or string.find(member, '"errand_id":', 1, true)
  return at and string.match(member, '^%d+', at + 12)
end

-- The errand:data entries of a window's jobs, read in one HMGET rather than one HGET each (false
-- for a job that is gone).
local entries = {}
local function read_entries(window)
  local ids = {}
  for w = 1, #window do
    ids[#ids + 1] = errand_id(window[w])
  end
  entries = {}
  if #ids > 0 then
    local got = redis.call('HMGET', DATA, unpack(ids))
    for w = 1, #ids do
      entries[ids[w]] = got[w]
    end
  end
end

-- What to do with one list entry: returns 'claim' and the claimed job's fields, 'drop' (the
-- entry goes, nothing is claimed), or 'skip'.
local function consider(member, order)
  local id = errand_id(member)
  if not id then
    local class = string.match(member, '"class":"([^"]*)"')
    if kinds and not kinds[class] then
      return 'skip'
    end
    local adopted, job = adopt(member, queue, 'running', now_us, now_us)
    if not adopted then
      return 'skip'
    end
    job.attempt = job.attempt + 1
    job.attempted_at, job.lease_owner, job.lease_expires_at = ARGV[5], owner, ARGV[6]
    attach(adopted, job, '')
    return 'claim', fields(adopted)
  end
  local sid = id
  id = tonumber(id)
  -- A job as it was made has no errand:job:<id>: its state and run time are in errand:data.
  -- One whose run time never changed has it there too.
  local held = redis.call('HMGET', job_key(id), 'state', 'attempt', 'scheduled_at', 'ord', 'uk',
    'heartbeat_at')
  local state, attempt, run_at, ord, entry = held[1], held[2], held[3], held[4], nil
  if run_at then
    run_at = pad(run_at, 18)
  else
    entry = entries[sid]
    if not entry then
      return 'drop'
    end
    local made_state, made_run_at = string.match(entry, '^(%l+):(%d+)')
    run_at = made_run_at
    if not state then
      state, attempt, ord = made_state, '0', made_run_at .. pad(id, 19)
    end
  end
  if state == 'running' or state == 'pending' or is_final(state) then
    return 'drop'
  end
  -- The kind is the Sidekiq JSON's class.
  local kind = kinds and string.match(member, '"class":"([^"]*)"')
  if state ~= 'available' then
    -- Moved here by a Sidekiq poller, which found it due.
    if kinds and not kinds[kind] then
      return 'skip'
    end
    return 'claim', claim_whole(id)
  end
  if run_at > now or (kinds and not kinds[kind]) then
    return 'skip'
  end
  if held[5] and held[5] ~= '' then
    return 'claim', claim_whole(id)
  end
  zrem_later(order, ord or (run_at .. pad(id, 19)))
  attempt = int(tonumber(attempt) + 1)
  zrem_later(k('errand:state:available'), sid)
  zadd_later(running, ARGV[6], sid)
  count(queue, 'available', -1)
  count(queue, 'running', 1)
  if not held[1] then
    local changed = { 'state', 'running', 'attempt', attempt, 'attempted_at', ARGV[5],
      'lease_owner', owner, 'lease_expires_at', ARGV[6], 'queue', queue }
    redis.call('HSET', job_key(id), unpack(changed))
    local row = { 'id', sid, 'made', entry }
    for i = 1, #changed do
      row[#row + 1] = changed[i]
    end
    return 'claim', row
  end
  local changed = { 'state', 'running', 'attempt', attempt, 'attempted_at', ARGV[5],
    'lease_owner', owner, 'lease_expires_at', ARGV[6] }
  if held[6] and held[6] ~= '' then
    -- An earlier attempt's heartbeat (see claim_whole); only then written, as most jobs have none.
    changed[#changed + 1] = 'heartbeat_at'
    changed[#changed + 1] = ''
  end
  redis.call('HSET', job_key(id), unpack(changed))
  return 'claim', fields(id)
end

for priority = 0, 9 do
  local order, list = order_set(queue, priority), list_key(queue, priority)
  -- Entries looked at and left in place, all at the right end once the first was skipped.
  local kept, next_in_line = 0, true
  -- The entries taken from the right end so far, popped in one RPOP before the list is read or
  -- changed again.
  local taken = {}
  local function pop_taken()
    if #taken > 0 then
      local popped = redis.call('RPOP', list, #taken)
      for t = 1, #taken do
        if popped[t] ~= taken[t] then
          error('ERRAND the list ' .. list .. ' changed under its fetch')
        end
      end
      taken = {}
    end
  end
  while #out < limit and examined < max_scan do
    local window = redis.call('LRANGE', list, -(kept + 100), -(kept + 1))
    if #window == 0 then
      break
    end
    read_entries(window)
    for w = #window, 1, -1 do
      if #out >= limit or examined >= max_scan then
        break
      end
      examined = examined + 1
      local member = window[w]
      local decision, claimed = consider(member, order)
      if decision == 'skip' then
        pop_taken()
        next_in_line = false
        kept = kept + 1
      else
        if next_in_line then
          taken[#taken + 1] = member
        else
          redis.call('LREM', list, -1, member)
        end
        if decision == 'claim' then
          out[#out + 1] = claimed
        end
      end
    end
    pop_taken()
    if #window < 100 then
      break
    end
  end
end
return done(out)
