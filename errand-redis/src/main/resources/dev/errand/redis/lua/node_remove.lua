-- Removes a node's report, as it stops, and its entry in Sidekiq's process registry. ARGV: prefix,
-- node id.
redis.call('DEL', k('errand:node:' .. ARGV[2]))
redis.call('ZREM', k('errand:nodes'), ARGV[2])
if redis.call('SREM', k('processes'), ARGV[2]) == 1 then
  redis.call('DEL', k(ARGV[2]))
end
return done(0)
