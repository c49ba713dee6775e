-- Removes a node's report, as it stops. ARGV: prefix, node id.
redis.call('DEL', k('errand:node:' .. ARGV[2]))
redis.call('ZREM', k('errand:nodes'), ARGV[2])
return done(0)
