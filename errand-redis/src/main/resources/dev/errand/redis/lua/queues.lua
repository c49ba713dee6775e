-- Every queue that has had jobs or is paused, with its count per state. ARGV: prefix. Returns per
-- queue: name, 1 if paused else 0, then its counts as state, count, ... in a list.
local names = redis.call('SUNION', k('queues'), k('errand:paused'))
table.sort(names)
local out = {}
for _, queue in ipairs(names) do
  out[#out + 1] = { queue, redis.call('SISMEMBER', k('errand:paused'), queue),
    redis.call('HGETALL', k('errand:counts:' .. queue)) }
end
return out
