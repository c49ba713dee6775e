-- A page of jobs in id order, ascending or descending, filtered by states (none: every state),
-- queue and kind ('' for any), tag ('' for any), and conditions on the args (a path of object keys
-- joined by dots to the text of the value there: a string's contents, a number as written, true or
-- false) and on the metadata (key to value), with ids in [min, max] (JobQuery.minId and maxId,
-- which read the keyset in either order). ARGV: prefix, min id, max id, order ('asc' or 'desc'),
-- limit, queue, kind, state count, states..., tag, args condition count, path, value...,
-- metadata condition count, key, value... Returns each job's fields. Walks the ids of each state
-- asked for (or of all jobs) in the order, in pages, until it has `limit` matches per state, then
-- merges.
-- The bounds stay digits: as a Lua number an id near 2^63 would lose its last digits.
local min_id, max_id, desc = ARGV[2], ARGV[3], ARGV[4] == 'desc'
local limit, queue, kind = tonumber(ARGV[5]), ARGV[6], ARGV[7]
local states = {}
if tonumber(ARGV[8]) == 0 then
  states = { 'pending', 'scheduled', 'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled' }
else
  for i = 1, tonumber(ARGV[8]) do
    states[i] = ARGV[8 + i]
  end
end
local c = 9 + tonumber(ARGV[8])
local tag = ARGV[c]
local arg_conditions, meta_conditions = {}, {}
c = c + 1
for _ = 1, tonumber(ARGV[c]) do
  arg_conditions[#arg_conditions + 1] = { ARGV[c + 1], ARGV[c + 2] }
  c = c + 2
end
c = c + 1
for _ = 1, tonumber(ARGV[c]) do
  meta_conditions[#meta_conditions + 1] = { ARGV[c + 1], ARGV[c + 2] }
  c = c + 2
end
local filtered = queue ~= '' or kind ~= '' or tag ~= '' or #arg_conditions > 0 or #meta_conditions > 0

-- The text of the value at `path` in the JSON `text`, read as written (numbers stay as they are),
-- or nil where it leads nowhere or to null, an object or an array.
local function at_path(text, path)
  for key in string.gmatch(path, '[^.]+') do
    text = text and json_member(text, key)
  end
  if not text then
    return nil
  end
  local first = string.sub(text, 1, 1)
  if first == '"' then
    local ok, value = pcall(cjson.decode, text)
    return ok and value or nil
  elseif first == '{' or first == '[' or text == 'null' then
    return nil
  end
  return text
end

local found = {}
local function matches(id)
  if not filtered then
    return true
  end
  local job = load(id)
  if job == nil or (queue ~= '' and job.queue ~= queue) or (kind ~= '' and job.kind ~= kind) then
    return false
  end
  if tag ~= '' then
    local has = false
    for _, t in ipairs(cjson.decode(job.tags)) do
      has = has or t == tag
    end
    if not has then
      return false
    end
  end
  if #meta_conditions > 0 then
    local metadata = cjson.decode(job.metadata)
    for _, condition in ipairs(meta_conditions) do
      if metadata[condition[1]] ~= condition[2] then
        return false
      end
    end
  end
  for _, condition in ipairs(arg_conditions) do
    if at_path(job.args, condition[1]) ~= condition[2] then
      return false
    end
  end
  return true
end
-- Whether id a comes before id b in the order.
local function before(a, b)
  if desc then
    return a > b
  end
  return a < b
end
local sets = {}
for _, state in ipairs(states) do
  if state == 'running' then
    -- Running jobs are few (the nodes' slots) and listed by lease, not id: sorted here.
    local ids = {}
    local low, high = pad(min_id, 19), pad(max_id, 19)
    for _, id in ipairs(redis.call('ZRANGE', k('errand:running'), 0, -1)) do
      if pad(id, 19) >= low and pad(id, 19) <= high then
        ids[#ids + 1] = tonumber(id)
      end
    end
    table.sort(ids, before)
    local matched = 0
    for _, id in ipairs(ids) do
      if matched >= limit then
        break
      end
      if matches(id) then
        found[#found + 1] = id
        matched = matched + 1
      end
    end
  else
    sets[#sets + 1] = k('errand:state:' .. state)
  end
end
for _, set in ipairs(sets) do
  -- The first range includes its bound; each next one starts past the last id read.
  local matched, from = 0, desc and max_id or min_id
  while matched < limit do
    local ids
    if desc then
      ids = redis.call('ZREVRANGEBYSCORE', set, from, min_id, 'LIMIT', 0, 200)
    else
      ids = redis.call('ZRANGEBYSCORE', set, from, max_id, 'LIMIT', 0, 200)
    end
    if #ids == 0 then
      break
    end
    for _, id in ipairs(ids) do
      from = '(' .. id
      if matches(id) then
        found[#found + 1] = tonumber(id)
        matched = matched + 1
        if matched >= limit then
          break
        end
      end
    end
  end
end
table.sort(found, before)
local out = {}
for i = 1, math.min(limit, #found) do
  out[i] = fields(found[i])
end
return out
