-- Shared by every Errand script: RedisScripts puts this file in front of each one before loading
-- it, so each script stays one atomic EVALSHA. ARGV[1] is the key prefix of the store ('' or
-- 'namespace:'), in front of Sidekiq's keys and Errand's alike. Times are integer microseconds
-- since the epoch, kept and compared as digits (run times reach the year 9999, past a double's
-- exact integers; see pad); Sidekiq's sorted sets score in float seconds, as Sidekiq does.
--
-- Where a job lives, by state (docs in README, "On Redis"):
--   available  one list per queue and priority, in fetch order (LPUSH last, RPOP next):
--              Sidekiq's queue:<q> for priority 0, Errand's default (Sidekiq has no priorities),
--              errand:queue:<q>:<p> for the others; beside each, errand:order:<q>:<p> (one member
--              per job, its fetch-order key) to find a job's place
--   scheduled  schedule (Sidekiq's sorted set, by run time)
--   retryable  retry (Sidekiq's sorted set, by retry time)
--   running    errand:running (by lease expiry)
--   discarded  dead (Sidekiq's sorted set) and errand:finished (by finalized_at)
--   completed, cancelled  errand:finished
-- and always in its record, in two parts (see load):
--   errand:data    one hash for all jobs, id -> what the job was made with, written once: its
--                  state and run time then, as '<state>:<run time, 18 digits>', a JSON object
--                  of strings (kind, queue, args, priority, max_attempts, tags, metadata,
--                  created_at, unique key `uk` and states `us`, dependency policy `on_fail`),
--                  a newline (which compact JSON never holds) and its Sidekiq JSON `sk` (the
--                  object left open, without errand_id), as it is
--   errand:job:<id>  a hash of what changed since (state, attempt, run time, lease, last
--                  heartbeat `heartbeat_at`, errors, the Sidekiq fields `ex` of its retry or dead
--                  entry...), beside copies of its queue and unique key for the hot paths;
--                  absent while a job is as it was made
--                  (a bulk insert's jobs: one field of one hash each, no key of their own)
-- then errand:state:<state> (ids, for the views; not for running jobs, which errand:running lists)
-- and, for dependencies that have not ended, both ends of each edge: errand:dependents:<id> (a set
-- of the jobs waiting on job id, taken whole when it ends) and errand:waits_on:<id> (a sorted set,
-- by id, of the jobs job id waits on, for JobEdges; each entry removed as that dependency ends)
-- and errand:counts:<q> (jobs per state). Every script returns through done(), which writes the
-- counts it changed. An insert of ordinary jobs on one server writes the same keys and values
-- without a script, in one MULTI/EXEC (BulkInsert; place.lua after it when the jobs must go
-- between others): insert_common is its twin.
local NS = ARGV[1]

-- An integer as digits. Lua 5.1 writes numbers with 14 significant digits ('1.893456e+15' for a
-- time in microseconds): every number that goes into a key, a field or a command is written here.
local function int(value)
  return string.format('%d', tonumber(value))
end

local function k(name)
  return NS .. name
end

local function job_key(id)
  return NS .. 'errand:job:' .. int(id)
end

local DATA = NS .. 'errand:data'

-- The fields a job is made with, kept in its errand:data entry; the rest go to errand:job:<id>.
local MADE_WITH = { kind = true, queue = true, args = true, priority = true, max_attempts = true,
  tags = true, metadata = true, created_at = true, sk = true, uk = true, us = true, on_fail = true }

-- What errand:job:<id> holds from its first write on, whether it changed or not: what the hot
-- paths (fetch, finish, heartbeat) read without decoding errand:data. Besides: its unique key if
-- it has one, and its place in its list (`ord`) while it is available.
local CORE = { 'state', 'attempt', 'queue' }

-- Changes of the per-queue counts, added up over the script and written once by done(): a batch
-- of a thousand jobs of one queue is one HINCRBY per state, not a thousand.
local count_deltas = {}

local function count(queue, state, delta)
  local per_state = count_deltas[queue]
  if not per_state then
    per_state = {}
    count_deltas[queue] = per_state
  end
  per_state[state] = (per_state[state] or 0) + delta
end

-- Sorted-set and hash changes the hot paths (insert, fetch, completion) leave for the end of the
-- script, where each key's run of adds or removes goes out as one command of many members rather
-- than one command per job. Only for members nothing else in the same script reads or changes.
local set_ops, set_keys = {}, {}

local function later(key, op, score, member)
  local runs = set_ops[key]
  if not runs then
    runs = {}
    set_ops[key] = runs
    set_keys[#set_keys + 1] = key
  end
  -- A run of one command's arguments (its array part), up to 1,000 of them.
  local run = runs[#runs]
  if not run or run.op ~= op or #run >= 1000 then
    run = { op = op }
    runs[#runs + 1] = run
  end
  if op ~= 'ZREM' then
    -- ZADD's score, HSET's field.
    run[#run + 1] = score
  end
  run[#run + 1] = member
end

local function zadd_later(key, score, member)
  later(key, 'ZADD', score, member)
end

local function zrem_later(key, member)
  later(key, 'ZREM', nil, member)
end

local function flush_set_ops()
  for _, key in ipairs(set_keys) do
    for _, run in ipairs(set_ops[key]) do
      redis.call(run.op, key, unpack(run))
    end
  end
  set_ops, set_keys = {}, {}
end

-- Every script returns through here: writes the sorted-set changes it left for the end, puts the
-- jobs it made available into their lists (see make_available), and writes the counts it changed.
local flush_lists
local function done(result)
  flush_set_ops()
  flush_lists()
  for queue, per_state in pairs(count_deltas) do
    for state, delta in pairs(per_state) do
      if delta ~= 0 then
        redis.call('HINCRBY', k('errand:counts:' .. queue), state, delta)
      end
    end
  end
  return result
end

-- Microseconds as the float seconds Sidekiq scores and stamps with.
local function seconds(us)
  return string.format('%.6f', tonumber(us) / 1000000)
end

-- Digits left-padded with zeros to `width`: equal-width digit strings compare as their numbers
-- do, exactly, where Lua's doubles stop at 2^53 (times up to the year 9999 need 18 digits).
local function pad(digits, width)
  digits = type(digits) == 'number' and int(digits) or digits
  return string.rep('0', width - #digits) .. digits
end

-- The fetch-order key within one priority: run time, then id, as fixed-width digits so that the
-- members of one score sort as JobRules.FETCH_ORDER does. Run time: characters 1 to 18.
local function order_key(scheduled_us, id)
  return pad(scheduled_us, 18) .. pad(id, 19)
end

-- Whether time `a` is after time `b` (microseconds, as digits or numbers), exactly.
local function after(a, b)
  return pad(a, 18) > pad(b, 18)
end

-- A queue's list of available jobs of one priority, and the set that orders it.
local function list_key(queue, priority)
  if tonumber(priority) == 0 then
    return k('queue:' .. queue)
  end
  return k('errand:queue:' .. queue .. ':' .. int(priority))
end

local function order_set(queue, priority)
  return k('errand:order:' .. queue .. ':' .. int(priority))
end

-- An errand:data entry's state, run time (18 digits), JSON and Sidekiq JSON.
local function made_with(entry)
  return string.match(entry, '^(%l+):(%d+)([^\n]*)\n(.*)$')
end

-- Digits without the zeros pad put in front.
local function unpad(digits)
  return (string.gsub(digits, '^0+(%d)', '%1'))
end

-- A job's fields as a Lua table: what it was made with, then what changed since. `fresh` is set
-- while nothing changed (errand:job:<id> is absent): attach writes CORE then.
local function load(id)
  local entry = redis.call('HGET', DATA, int(id))
  if not entry then
    return nil
  end
  local state, run_at, json, sk = made_with(entry)
  local job = cjson.decode(json)
  job.id, job.state, job.scheduled_at = int(id), state, unpad(run_at)
  job.sk = sk .. ',"errand_id":' .. int(id)
  local flat = redis.call('HGETALL', job_key(id))
  if #flat == 0 then
    job.fresh = true
    if state == 'available' then
      job.ord = run_at .. pad(id, 19)
    end
  end
  for i = 1, #flat, 2 do
    job[flat[i]] = flat[i + 1]
  end
  -- A job leaves out what most jobs have (JobFields reads them alike).
  job.attempt = job.attempt or '0'
  job.errors = job.errors or '[]'
  job.tags = job.tags or '[]'
  job.metadata = job.metadata or '{}'
  return job
end

-- A job's state, without decoding its errand:data entry; nil if there is no such job.
local function state_of(id)
  local state = redis.call('HGET', job_key(id), 'state')
  if state then
    return state
  end
  local entry = redis.call('HGET', DATA, int(id))
  return entry and string.match(entry, '^(%l+):') or nil
end

-- The Sidekiq JSON of a job: its base object (written once, at insert) closed with `extra`, the
-- fields of its current state (',"retry_count":2,...'), or nothing.
local function sidekiq_json(job, extra)
  return job.sk .. extra .. '}'
end

-- The JSON the job has now in Sidekiq's structure of its state: its base closed with the fields
-- of that state, kept in `ex` (retry and dead only), not the whole JSON a second time.
local function member_of(job)
  return sidekiq_json(job, job.ex or '')
end

-- Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm): no os.date in Redis's Lua.
local function civil(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return y, m, d
end

-- An instant as java.time.Instant.toString() writes it (UTC, trailing zeros of the fraction
-- dropped in groups of three), so that messages read alike on every store.
local function iso(us)
  local secs = math.floor(us / 1000000)
  local frac = us - secs * 1000000
  local days = math.floor(secs / 86400)
  local rest = secs - days * 86400
  local y, m, d = civil(days)
  local text = string.format('%04d-%02d-%02dT%02d:%02d:%02d', y, m, d,
    math.floor(rest / 3600), math.floor((rest % 3600) / 60), rest % 60)
  if frac ~= 0 then
    if frac % 1000 == 0 then
      text = text .. string.format('.%03d', frac / 1000)
    else
      text = text .. string.format('.%06d', frac)
    end
  end
  return text .. 'Z'
end

local function error_json(attempt, at_us, error_class, message)
  return cjson.encode({ attempt = tonumber(attempt), at = iso(at_us), errorClass = error_class,
    message = message, stackTrace = '' })
end

-- An error's JSON object with the run the attempt it ended had: when it started and the node that
-- held its lease, read from the job before its lease is let go (JobColumns.errors reads them).
local function with_run(error_text, job)
  local run = ''
  if job.attempted_at and job.attempted_at ~= '' then
    run = run .. ',"startedAt":' .. cjson.encode(iso(tonumber(job.attempted_at)))
  end
  if job.lease_owner and job.lease_owner ~= '' then
    run = run .. ',"node":' .. cjson.encode(job.lease_owner)
  end
  -- The object is compact JSON (JobColumns.errorJson's or error_json's): its last byte is '}'.
  return string.sub(error_text, 1, -2) .. run .. '}'
end

local function append_error(job, error_text)
  if job.errors == nil or job.errors == '[]' then
    job.errors = '[' .. error_text .. ']'
  else
    job.errors = string.sub(job.errors, 1, -2) .. ',' .. error_text .. ']'
  end
  return job.errors
end

-- Puts one job into its list at its place in fetch order: the jobs on the shorter side of its
-- place are popped and pushed back around it. For a job that goes between others only: see
-- list_insert_all.
local function list_insert(order, list, ord, member)
  if redis.call('LLEN', list) ~= redis.call('ZCARD', order) then
    -- The list holds jobs Errand has not adopted yet (pushed by Sidekiq's client), or lost some
    -- to a Sidekiq process: ranks no longer say where. Go in front of the next job in order.
    redis.call('ZADD', order, 0, ord)
    local next_job = redis.call('ZRANGE', order, '(' .. ord, '+', 'BYLEX', 'LIMIT', 0, 1)[1]
    if next_job then
      local next_one = load(tonumber(string.sub(next_job, 19)))
      local pivot = next_one and member_of(next_one)
      if pivot and redis.call('LINSERT', list, 'AFTER', pivot, member) > 0 then
        return
      end
    end
    redis.call('LPUSH', list, member)
    return
  end
  redis.call('ZADD', order, 0, ord)
  local n = redis.call('ZCARD', order)
  local rank = redis.call('ZRANK', order, ord)
  if rank == n - 1 then
    redis.call('LPUSH', list, member)
  elseif rank == 0 then
    redis.call('RPUSH', list, member)
  elseif rank < n - 1 - rank then
    local moved = redis.call('RPOP', list, rank)
    redis.call('RPUSH', list, member)
    for i = #moved, 1, -1 do
      redis.call('RPUSH', list, moved[i])
    end
  else
    local moved = redis.call('LPOP', list, n - 1 - rank)
    redis.call('LPUSH', list, member)
    for i = #moved, 1, -1 do
      redis.call('LPUSH', list, moved[i])
    end
  end
end

-- Puts the jobs a script made available into their list, in fetch order: those after every job
-- waiting (new jobs) are pushed on the left in order, those before every job waiting (retries that
-- came due) on the right in reverse order, each one push; only those that go between waiting jobs
-- take list_insert's moves.
local function list_insert_all(queue, priority, entries)
  -- A bulk insert's jobs come in order already: a pass that says so costs less than a sort.
  local sorted = true
  for i = 2, #entries do
    if entries[i][1] < entries[i - 1][1] then
      sorted = false
      break
    end
  end
  if not sorted then
    table.sort(entries, function(a, b) return a[1] < b[1] end)
  end
  local order, list = order_set(queue, priority), list_key(queue, priority)
  local first = redis.call('ZRANGE', order, 0, 0)[1]
  local last = redis.call('ZRANGE', order, -1, -1)[1]
  local low, high = 1, #entries
  if first then
    while high >= low and entries[high][1] > last do
      high = high - 1
    end
    while low <= high and entries[low][1] < first do
      low = low + 1
    end
  else
    low, high = 1, 0
  end
  -- Before every job waiting, the last first; then after every job waiting, in order: each run
  -- goes out in commands of up to 500 jobs.
  local function push(command, from, to, step)
    local i = from
    while (step > 0 and i <= to) or (step < 0 and i >= to) do
      local members, values = {}, {}
      while #values < 500 and ((step > 0 and i <= to) or (step < 0 and i >= to)) do
        members[#members + 1] = 0
        members[#members + 1] = entries[i][1]
        values[#values + 1] = entries[i][2]
        i = i + step
      end
      redis.call('ZADD', order, unpack(members))
      redis.call(command, list, unpack(values))
    end
  end
  push('RPUSH', low - 1, 1, -1)
  push('LPUSH', high + 1, #entries, 1)
  for i = low, high do
    list_insert(order, list, entries[i][1], entries[i][2])
  end
end

-- Jobs made available by this script, per list, put in place by done().
local pending_lists = {}

flush_lists = function()
  local woken = {}
  for _, pending in pairs(pending_lists) do
    list_insert_all(pending.queue, pending.priority, pending.entries)
    woken[pending.queue] = true
  end
  pending_lists = {}
  -- One wake-up per queue and call, however many jobs: RedisNotifier's subscribers hear it.
  for queue in pairs(woken) do
    redis.call('PUBLISH', k('errand:available'), queue)
  end
end

local function make_available(queue, priority, ord, member)
  local key = queue .. '\0' .. int(priority)
  local pending = pending_lists[key]
  if not pending then
    pending = { queue = queue, priority = priority, entries = {} }
    pending_lists[key] = pending
  end
  pending.entries[#pending.entries + 1] = { ord, member }
end

-- Takes the job out of the structure that holds it in its state.
local function remove_from_place(id, job)
  local state, queue = job.state, job.queue
  if state == 'available' then
    redis.call('ZREM', order_set(queue, job.priority), job.ord)
    redis.call('LREM', list_key(queue, job.priority), -1, member_of(job))
  elseif state == 'scheduled' then
    redis.call('ZREM', k('schedule'), member_of(job))
  elseif state == 'retryable' then
    redis.call('ZREM', k('retry'), member_of(job))
  elseif state == 'running' then
    redis.call('ZREM', k('errand:running'), int(id))
  elseif state == 'discarded' then
    redis.call('ZREM', k('dead'), member_of(job))
    redis.call('ZREM', k('errand:finished'), int(id))
  elseif state == 'completed' or state == 'cancelled' then
    redis.call('ZREM', k('errand:finished'), int(id))
  end
end

-- Takes the job out of its state's views (ids by state, counts by queue and state).
-- Whether the job holds its unique key in `state` (its unique states, as ',available,running,').
local function holds_key(job, state)
  return job.uk and job.uk ~= '' and string.find(job.us, ',' .. state .. ',', 1, true) ~= nil
end

local function unique_key(job)
  return k('errand:unique:' .. job.uk)
end

local function unindex(id, job)
  if holds_key(job, job.state) and redis.call('GET', unique_key(job)) == int(id) then
    redis.call('DEL', unique_key(job))
  end
  if job.state ~= 'running' then
    redis.call('ZREM', k('errand:state:' .. job.state), int(id))
  end
  count(job.queue, job.state, -1)
end

-- Takes the job out of every structure of its state (its hash stays).
local function detach(id, job)
  remove_from_place(id, job)
  unindex(id, job)
end

-- Deletes a detached job's record and the edges it still waits on: it leaves the dependents sets
-- of those dependencies at once, as job_dependency's cascade does on SQL, so that JobEdges never
-- lists it.
local function delete_record(id)
  local waits_on = k('errand:waits_on:' .. int(id))
  for _, dependency in ipairs(redis.call('ZRANGE', waits_on, 0, -1)) do
    redis.call('SREM', k('errand:dependents:' .. dependency), int(id))
  end
  redis.call('DEL', job_key(id), waits_on)
  redis.call('HDEL', DATA, int(id))
end

-- A field's value as stored: numbers as digits.
local function stored(value)
  return type(value) == 'number' and int(value) or value
end

-- Writes a job's fields. A new job (`before` nil): its errand:data entry, then errand:job:<id>
-- with CORE and what it has besides. A stored one: the fields that differ from `before`, and all
-- of CORE when it had none yet (`before.fresh`). One HSET: a field cleared (set to false) is
-- written empty rather than deleted, which would take an HDEL.
local function write_fields(id, job, before)
  local set, written = {}, {}
  local made = not before and {} or nil
  job.fresh = nil
  for field, value in pairs(job) do
    if value == false then
      value = ''
      job[field] = ''
    end
    if field == 'id' then
      -- The key's.
    elseif made and MADE_WITH[field] then
      if value ~= '' then
        made[field] = stored(value)
      end
    elseif not before or stored(before[field]) ~= stored(value) then
      set[#set + 1] = field
      set[#set + 1] = stored(value)
      written[field] = true
    end
  end
  if made then
    local sk = made.sk
    made.sk = nil
    redis.call('HSET', DATA, int(id), job.state .. ':' .. pad(job.scheduled_at, 18) .. cjson.encode(made)
      .. '\n' .. string.sub(sk, 1, -(#(',"errand_id":' .. int(id)) + 1)))
  end
  if not before or before.fresh then
    local core = { unpack(CORE) }
    if job.uk and job.uk ~= '' then
      core[#core + 1] = 'uk'
    end
    if job.state == 'available' then
      core[#core + 1] = 'ord'
    end
    for _, field in ipairs(core) do
      if not written[field] then
        set[#set + 1] = field
        set[#set + 1] = stored(job[field] or '')
      end
    end
  end
  if #set > 0 then
    redis.call('HSET', job_key(id), unpack(set))
  end
end

-- Puts the job into the structures of job.state and writes its fields (write_fields). `extra`
-- closes its Sidekiq JSON (retry and dead).
local function attach(id, job, extra, before)
  local state, queue = job.state, job.queue
  local member = ''
  if state == 'available' or state == 'scheduled' or state == 'retryable' or state == 'discarded' then
    member = sidekiq_json(job, extra or '')
  end
  if state == 'available' then
    job.ord = order_key(job.scheduled_at, id)
    make_available(queue, job.priority, job.ord, member)
  elseif state == 'scheduled' then
    redis.call('ZADD', k('schedule'), seconds(job.scheduled_at), member)
  elseif state == 'retryable' then
    redis.call('ZADD', k('retry'), seconds(job.scheduled_at), member)
  elseif state == 'running' then
    redis.call('ZADD', k('errand:running'), int(job.lease_expires_at), int(id))
  elseif state == 'discarded' then
    redis.call('ZADD', k('dead'), seconds(job.finalized_at), member)
    redis.call('ZADD', k('errand:finished'), int(job.finalized_at), int(id))
  elseif state == 'completed' or state == 'cancelled' then
    redis.call('ZADD', k('errand:finished'), int(job.finalized_at), int(id))
  end
  job.ex = (state == 'retryable' or state == 'discarded') and extra or false
  if state ~= 'running' then
    redis.call('ZADD', k('errand:state:' .. state), int(id), int(id))
  end
  if holds_key(job, state) then
    redis.call('SET', unique_key(job), int(id))
  end
  count(queue, state, 1)
  write_fields(id, job, before)
end

-- Moves a stored job to a new state: detach, let `change` edit its fields, attach, writing only
-- the fields that changed.
local function move(id, job, change, extra)
  detach(id, job)
  local before = {}
  for field, value in pairs(job) do
    before[field] = value
  end
  change(job)
  attach(id, job, extra, before)
end

-- Sets one field of a stored job, in place: for what changes without moving it. A job that had no
-- errand:job:<id> gets CORE with it.
local function set_field(id, field, value)
  if redis.call('EXISTS', job_key(id)) == 1 then
    redis.call('HSET', job_key(id), field, value)
    return
  end
  local job = load(id)
  if job then
    local before = {}
    for name, v in pairs(job) do
      before[name] = v
    end
    job[field] = value
    write_fields(id, job, before)
  end
end

-- The Sidekiq fields of a failed attempt, as Sidekiq's own retry writes them.
local function failure_extra(job, error_class, message, at_us)
  return ',"retry_count":' .. int(tonumber(job.attempt) - 1)
    .. ',"error_class":' .. cjson.encode(error_class)
    .. ',"error_message":' .. cjson.encode(message)
    .. ',"failed_at":' .. seconds(at_us)
end

-- The queues this script added to Sidekiq's set `queues` already.
local queues_added = {}

-- Takes `n` new ids, one INCRBY: returns the first.
local function new_ids(n)
  return redis.call('INCRBY', k('errand:ids'), n) - n + 1
end

-- The fields of one new job in ARGV, from `base` on (see insert.lua).
local INSERT_FIELDS = 9
local F_QUEUE, F_PRIORITY, F_RUN_AT, F_SK, F_MADE, F_UK, F_US, F_DEPS, F_ON_FAIL = 0, 1, 2, 3, 4, 5, 6, 7, 8

local function split_ids(text)
  local ids = {}
  for id in string.gmatch(text, '%d+') do
    ids[#ids + 1] = id
  end
  return ids
end

local function is_final(state)
  return state == 'completed' or state == 'discarded' or state == 'cancelled'
end

local function fails_dependents(state)
  return state == 'discarded' or state == 'cancelled'
end

-- A job's dependency counts, 'waiting,completed,discarded,cancelled', after one more ended as
-- `ended_as` (JobRules.counted).
local function counted(deps, ended_as)
  local w, c, d, x = string.match(deps, '(%d+),(%d+),(%d+),(%d+)')
  w, c, d, x = tonumber(w) - 1, tonumber(c), tonumber(d), tonumber(x)
  if ended_as == 'completed' then
    c = c + 1
  elseif ended_as == 'discarded' then
    d = d + 1
  else
    x = x + 1
  end
  return string.format('%d,%d,%d,%d', w, c, d, x), w
end

local function dependency_cancellation(dependency, state, at_us)
  return error_json(0, at_us, 'dependency_failed', 'dependency ' .. dependency .. ' was ' .. state)
end

-- The first dependency, among the jobs of ARGV from `base` on, that is not stored; nil if all
-- are. Checked before anything is written, so a call that names one writes nothing.
local function missing_dependency(base, n)
  for i = 0, n - 1 do
    for _, dependency in ipairs(split_ids(ARGV[base + i * INSERT_FIELDS + F_DEPS])) do
      if redis.call('HEXISTS', DATA, int(dependency)) == 0 then
        return dependency
      end
    end
  end
  return nil
end

-- Counts the end of job `id` (as `ended_as`) in every job waiting on it, as JobRules says: only a
-- pending job moves; with policy cancel a failed dependency cancels it, and that cancellation
-- is in turn counted in its own dependents; after its last dependency it becomes runnable.
local function resolve_dependents(id, ended_as, at_us)
  local ended = { { int(id), ended_as } }
  local next_ended = 1
  while next_ended <= #ended do
    local dependency, state = ended[next_ended][1], ended[next_ended][2]
    next_ended = next_ended + 1
    local key = k('errand:dependents:' .. dependency)
    local dependents = redis.call('SMEMBERS', key)
    redis.call('DEL', key)
    table.sort(dependents, function(a, b) return tonumber(a) < tonumber(b) end)
    for _, dependent in ipairs(dependents) do
      redis.call('ZREM', k('errand:waits_on:' .. dependent), dependency)
      local job = load(dependent)
      if job then
        local deps, waiting = counted(job.deps, state)
        local to = job.state
        if job.state == 'pending' then
          if job.on_fail == 'cancel' and fails_dependents(state) then
            to = 'cancelled'
          elseif waiting == 0 then
            to = after(job.scheduled_at, at_us) and 'scheduled' or 'available'
          end
        end
        if to == job.state then
          set_field(dependent, 'deps', deps)
        else
          move(dependent, job, function(j)
            j.deps = deps
            j.state = to
            if to == 'cancelled' then
              append_error(j, dependency_cancellation(dependency, state, at_us))
              j.finalized_at = at_us
            end
          end)
          if to == 'cancelled' then
            ended[#ended + 1] = { dependent, 'cancelled' }
          end
        end
      end
    end
  end
end

-- Sets a job's final state: moves it, then counts its end in the jobs waiting on it.
local function finalize(id, job, state, at_us, change, extra)
  local had_dependents = job.has_dependents == '1'
  move(id, job, function(j)
    change(j)
    j.state = state
    j.finalized_at = at_us
  end, extra)
  if had_dependents then
    resolve_dependents(id, state, at_us)
  end
end

-- The time of this script's inserts, as insert_common needs it, padded for comparisons, worked
-- out once per script rather than once per job.
local insert_now, insert_now_padded

-- The common job: not unique, waiting on nothing. Its record is one field of errand:data, its
-- list and set entries left for the end of the script; with as little Lua work per job as it
-- takes, as a bulk insert is thousands of them.
local function insert_common(now_us, base, id)
  if insert_now ~= now_us then
    insert_now, insert_now_padded = now_us, pad(now_us, 18)
  end
  local queue = ARGV[base + F_QUEUE]
  local sid = int(id)
  local member = ARGV[base + F_SK] .. ',"errand_id":' .. sid .. '}'
  local padded = pad(ARGV[base + F_RUN_AT], 18)
  local state
  if padded > insert_now_padded then
    state = 'scheduled'
    zadd_later(k('schedule'), seconds(ARGV[base + F_RUN_AT]), member)
  else
    state = 'available'
    make_available(queue, ARGV[base + F_PRIORITY], padded .. pad(sid, 19), member)
  end
  later(DATA, 'HSET', sid, state .. ':' .. padded .. ARGV[base + F_MADE] .. '\n' .. ARGV[base + F_SK])
  zadd_later(NS .. 'errand:state:' .. state, sid, sid)
  count(queue, state, 1)
  if not queues_added[queue] then
    redis.call('SADD', k('queues'), queue)
    queues_added[queue] = true
  end
  return { id, state, 0 }
end

-- Inserts one new job with id `id` (from new_ids); its fields are in ARGV from `base` on (see
-- insert.lua), `dependencies` overrides its own. Returns its id, state and 1 if it is a duplicate
-- (then the id and state are the key's holder's), else 0.
-- `history`, for a job imported from another store (import.lua): its attempt, errors JSON, and
-- whether it is retrying, with the Sidekiq fields of its last failure (`extra`).
local function insert_job(now_us, base, id, dependencies, history)
  local uk = ARGV[base + F_UK]
  if uk ~= '' then
    local holder = redis.call('GET', k('errand:unique:' .. uk))
    if holder then
      return { tonumber(holder), state_of(holder), 1 }
    end
  elseif not dependencies and ARGV[base + F_DEPS] == '' then
    return insert_common(now_us, base, id)
  end
  -- What follows reads jobs, maybe some of this script's: their entries are written first.
  flush_set_ops()
  local job = cjson.decode(ARGV[base + F_MADE])
  job.id, job.scheduled_at = id, ARGV[base + F_RUN_AT]
  job.sk = ARGV[base + F_SK] .. ',"errand_id":' .. int(id)
  job.attempt, job.errors = 0, '[]'
  job.tags, job.metadata = job.tags or '[]', job.metadata or '{}'
  local deps = dependencies or split_ids(ARGV[base + F_DEPS])
  if uk ~= '' then
    job.uk = uk
    job.us = ARGV[base + F_US]
  end
  local state = nil
  if #deps > 0 then
    job.on_fail = ARGV[base + F_ON_FAIL]
    job.deps = string.format('%d,0,0,0', #deps)
    for _, dependency in ipairs(deps) do
      local dependency_state = state_of(dependency)
      if is_final(dependency_state) then
        job.deps = counted(job.deps, dependency_state)
      else
        redis.call('SADD', k('errand:dependents:' .. dependency), int(id))
        redis.call('ZADD', k('errand:waits_on:' .. int(id)), int(dependency), int(dependency))
        set_field(dependency, 'has_dependents', '1')
      end
      if not state and job.on_fail == 'cancel' and fails_dependents(dependency_state) then
        state = 'cancelled'
        job.errors = '[' .. dependency_cancellation(dependency, dependency_state, now_us) .. ']'
        job.finalized_at = now_us
      end
    end
    if not state and not string.match(job.deps, '^0,') then
      state = 'pending'
    end
  end
  job.state = state or (after(job.scheduled_at, now_us) and 'scheduled' or 'available')
  local extra = ''
  if history then
    job.attempt, job.errors = history.attempt, history.errors
    if history.retrying then
      job.state, extra = 'retryable', history.extra
    end
  end
  if not queues_added[job.queue] then
    redis.call('SADD', k('queues'), job.queue)
    queues_added[job.queue] = true
  end
  attach(id, job, extra)
  return { id, job.state, 0 }
end

-- JSON text scanning, for the one value a job's JSON must keep byte for byte (its args) when
-- Errand adopts a job that Sidekiq's client pushed: cjson would rewrite its numbers.
local function skip_space(text, i)
  return string.find(text, '[^%s]', i) or #text + 1
end

-- The index just after the string that opens at `i`.
local function skip_string(text, i)
  local j = i + 1
  while true do
    local q = string.find(text, '["\\]', j)
    if not q then
      return #text + 1
    end
    if string.sub(text, q, q) == '\\' then
      j = q + 2
    else
      return q + 1
    end
  end
end

-- The index just after the value that starts at `i`.
local function skip_value(text, i)
  local c = string.sub(text, i, i)
  if c == '"' then
    return skip_string(text, i)
  end
  if c == '{' or c == '[' then
    local depth, j = 0, i
    while j <= #text do
      local d = string.sub(text, j, j)
      if d == '"' then
        j = skip_string(text, j)
      else
        if d == '{' or d == '[' then
          depth = depth + 1
        elseif d == '}' or d == ']' then
          depth = depth - 1
          if depth == 0 then
            return j + 1
          end
        end
        j = j + 1
      end
    end
    return j
  end
  return string.find(text, '[,}%]]', i) or #text + 1
end

-- The raw text of the top-level member `name` of the JSON object `text`, or nil.
local function json_member(text, name)
  local i = skip_space(text, 1)
  if string.sub(text, i, i) ~= '{' then
    return nil
  end
  i = skip_space(text, i + 1)
  while string.sub(text, i, i) == '"' do
    local key_end = skip_string(text, i)
    local key = string.sub(text, i + 1, key_end - 2)
    i = skip_space(text, key_end)
    if string.sub(text, i, i) ~= ':' then
      return nil
    end
    local value = skip_space(text, i + 1)
    local value_end = skip_value(text, value)
    if key == name then
      return string.sub(text, value, value_end - 1)
    end
    i = skip_space(text, value_end)
    if string.sub(text, i, i) ~= ',' then
      return nil
    end
    i = skip_space(text, i + 1)
  end
  return nil
end

-- Seconds as a float (Sidekiq's stamps) to microseconds.
local function micros(seconds_value, default)
  if type(seconds_value) ~= 'number' then
    return default
  end
  return math.floor(seconds_value * 1000000 + 0.5)
end

-- Makes an Errand job of a job Sidekiq's client wrote (`member`, without errand_id), in `state`,
-- due at `at_us`: its class is the kind, its args stay as written (an array, which fills a
-- record's components in order), Sidekiq's retry option sets its attempts (true: 25 retries),
-- its jid goes into the metadata; a job from Sidekiq's retry set keeps its attempts and last
-- error. Returns its id and its fields (not yet attached), or nil for a member that is not a
-- Sidekiq job (not JSON, or no class).
local function adopt(member, queue, state, at_us, now_us)
  local ok, decoded = pcall(cjson.decode, member)
  if not ok or type(decoded) ~= 'table' or type(decoded.class) ~= 'string' then
    return nil
  end
  local id = new_ids(1)
  local max_attempts = 26
  if decoded['retry'] == false then
    max_attempts = 1
  elseif type(decoded['retry']) == 'number' then
    max_attempts = math.floor(decoded['retry']) + 1
  end
  local body = string.match(member, '^(.*)}%s*$')
  local job = {
    id = id, kind = decoded.class, queue = type(decoded.queue) == 'string' and decoded.queue or queue,
    args = json_member(member, 'args') or '[]', priority = '0', scheduled_at = int(at_us),
    max_attempts = int(max_attempts), tags = '[]',
    metadata = type(decoded.jid) == 'string' and cjson.encode({ sidekiq_jid = decoded.jid }) or '{}',
    sk = body .. ',"errand_id":' .. int(id), attempt = 0,
    created_at = int(micros(decoded.created_at, now_us)), errors = '[]', state = state,
  }
  if type(decoded.retry_count) == 'number' then
    job.attempt = math.floor(decoded.retry_count) + 1
    job.errors = '[' .. error_json(job.attempt, micros(decoded.failed_at, now_us),
      tostring(decoded.error_class or 'error'), tostring(decoded.error_message or '')) .. ']'
    if job.attempt >= max_attempts then
      max_attempts = job.attempt + 1
      job.max_attempts = int(max_attempts)
    end
  end
  if not queues_added[job.queue] then
    redis.call('SADD', k('queues'), job.queue)
    queues_added[job.queue] = true
  end
  return id, job
end

-- A job's fields as JobFields reads them, flat: its id, its errand:data entry as `made`, then
-- what errand:job:<id> holds (field, value, field, value...); an empty list if there is no such
-- job. Decoded by the client, not here.
local function fields(id)
  local entry = redis.call('HGET', DATA, int(id))
  if not entry then
    return {}
  end
  local flat = redis.call('HGETALL', job_key(id))
  table.insert(flat, 1, 'id')
  table.insert(flat, 2, int(id))
  table.insert(flat, 3, 'made')
  table.insert(flat, 4, entry)
  return flat
end
