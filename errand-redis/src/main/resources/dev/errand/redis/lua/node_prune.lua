-- Removes the reports that expired before `now`, and their entries in Sidekiq's process registry
-- (whose hashes expired by themselves). ARGV: prefix, now (us). Returns how many.
local expired = redis.call('ZRANGEBYSCORE', k('errand:nodes'), '-inf', '(' .. ARGV[2])
for _, id in ipairs(expired) do
  redis.call('DEL', k('errand:node:' .. id))
  redis.call('ZREM', k('errand:nodes'), id)
  redis.call('SREM', k('processes'), id)
end
return done(#expired)
