-- A page of jobs in id order after `after`, filtered by states (none: every state), queue and kind
-- ('' for any). ARGV: prefix, after id, limit, queue, kind, state count, states... Returns each
-- job's fields. Walks the ids of each state asked for (or of all jobs), in pages, until it has
-- `limit` matches per state, then merges.
local after, limit, queue, kind = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local sets = {}
if tonumber(ARGV[6]) == 0 then
  sets[1] = k('errand:all')
else
  for i = 1, tonumber(ARGV[6]) do
    sets[i] = k('errand:state:' .. ARGV[6 + i])
  end
end
local found = {}
for _, set in ipairs(sets) do
  local matched, cursor = 0, after
  while matched < limit do
    local ids = redis.call('ZRANGEBYSCORE', set, '(' .. int(cursor), '+inf', 'LIMIT', 0, 200)
    if #ids == 0 then
      break
    end
    for _, id in ipairs(ids) do
      cursor = tonumber(id)
      local q = redis.call('HMGET', job_key(id), 'queue', 'kind')
      if (queue == '' or q[1] == queue) and (kind == '' or q[2] == kind) then
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
