-- Records a node's report: what it works, since when, until when it counts as alive. ARGV: prefix,
-- node id, queues JSON, kinds JSON, started (us), reported (us), expires (us).
local id = ARGV[2]
redis.call('HSET', k('errand:node:' .. id), 'queues', ARGV[3], 'kinds', ARGV[4],
  'started_at', ARGV[5], 'reported_at', ARGV[6], 'expires_at', ARGV[7])
redis.call('ZADD', k('errand:nodes'), ARGV[7], id)
return done(0)
