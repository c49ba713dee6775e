-- A page of jobs in id order after `after`, filtered by states (none: every state), queue and kind
-- ('' for any), tag ('' for any), and conditions on the args (a path of object keys joined by dots
-- to the text of the value there: a string's contents, a number as written, true or false) and on
-- the metadata (key to value), with ids in (after, up to]. ARGV: prefix, after id, up to id,
-- limit, queue, kind, state count, states..., tag, args condition count, path, value..., metadata
-- condition count, key, value... Returns each
-- job's fields. Walks the ids of each state asked for (or of all jobs), in pages, until it has
-- `limit` matches per state, then merges.
-- The bound stays digits: as a Lua number an id near 2^63 would lose its last digits.
local after, up_to = tonumber(ARGV[2]), ARGV[3]
local limit, queue, kind = tonumber(ARGV[4]), ARGV[5], ARGV[6]
local states = {}
if tonumber(ARGV[7]) == 0 then
  states = { 'pending', 'scheduled', 'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled' }
else
  for i = 1, tonumber(ARGV[7]) do
    states[i] = ARGV[7 + i]
  end
end
local c = 8 + tonumber(ARGV[7])
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
local sets = {}
for _, state in ipairs(states) do
  if state == 'running' then
    -- Running jobs are few (the nodes' slots) and listed by lease, not id: sorted here.
    local ids = {}
    for _, id in ipairs(redis.call('ZRANGE', k('errand:running'), 0, -1)) do
      if tonumber(id) > after and pad(id, 19) <= pad(up_to, 19) then
        ids[#ids + 1] = tonumber(id)
      end
    end
    table.sort(ids)
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
  local matched, cursor = 0, after
  while matched < limit do
    local ids = redis.call('ZRANGEBYSCORE', set, '(' .. int(cursor), up_to, 'LIMIT', 0, 200)
    if #ids == 0 then
      break
    end
    for _, id in ipairs(ids) do
      cursor = tonumber(id)
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
table.sort(found)
local out = {}
for i = 1, math.min(limit, #found) do
  out[i] = fields(found[i])
end
return out
