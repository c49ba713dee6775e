-- A page of jobs in id order after `after`, filtered by states (none: every state), queue and kind
-- ('' for any). ARGV: prefix, after id, limit, queue, kind, state count, states... Returns each
-- job's fields. Walks the ids of each state asked for (or of all jobs), in pages, until it has
-- `limit` matches per state, then merges.
local after, limit, queue, kind = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local states = {}
if tonumber(ARGV[6]) == 0 then
  states = { 'pending', 'scheduled', 'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled' }
else
  for i = 1, tonumber(ARGV[6]) do
    states[i] = ARGV[6 + i]
  end
end
local found = {}
local function matches(id)
  if queue == '' and kind == '' then
    return true
  end
  local job = load(id)
  return job ~= nil and (queue == '' or job.queue == queue) and (kind == '' or job.kind == kind)
end
local sets = {}
for _, state in ipairs(states) do
  if state == 'running' then
    -- Running jobs are few (the nodes' slots) and listed by lease, not id: sorted here.
    local ids = {}
    for _, id in ipairs(redis.call('ZRANGE', k('errand:running'), 0, -1)) do
      if tonumber(id) > after then
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
    local ids = redis.call('ZRANGEBYSCORE', set, '(' .. int(cursor), '+inf', 'LIMIT', 0, 200)
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
