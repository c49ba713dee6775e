-- Records a node's report: what it works, since when, until when it counts as alive. ARGV: prefix,
-- node id, queues JSON, kinds JSON, started (us), reported (us), expires (us), details JSON
-- (whether it leads, its periodic jobs: NodeColumns.detailsJson).
--
-- The node is also entered in Sidekiq's process registry (the set `processes` and a hash per
-- process, as Sidekiq's heartbeat writes them), so that Sidekiq's API and its web UI list Errand's
-- nodes beside Sidekiq's processes while both share this Redis. Its identity is the node id; it
-- expires with the node's report, as Sidekiq's own entries do after their last heartbeat.
local id = ARGV[2]
redis.call('HSET', k('errand:node:' .. id), 'queues', ARGV[3], 'kinds', ARGV[4],
  'started_at', ARGV[5], 'reported_at', ARGV[6], 'expires_at', ARGV[7], 'details', ARGV[8])
redis.call('ZADD', k('errand:nodes'), ARGV[7], id)

local queues, concurrency = {}, 0
for queue, slots in pairs(cjson.decode(ARGV[3])) do
  queues[#queues + 1] = queue
  concurrency = concurrency + slots
end
table.sort(queues)
if #queues == 0 then
  -- cjson writes an empty table as an object; Sidekiq reads an array.
  queues = cjson.decode('[]')
end
local info = cjson.encode({ hostname = id, started_at = tonumber(seconds(ARGV[5])), pid = 0,
  tag = 'errand', concurrency = concurrency, queues = queues, labels = { 'errand' },
  identity = id })
-- A node id that names a key of another type (a node called "schedule") stays out of the registry.
local kind = redis.call('TYPE', k(id))['ok']
if kind == 'none' or kind == 'hash' then
  redis.call('SADD', k('processes'), id)
  redis.call('HSET', k(id), 'info', info, 'busy', 0, 'beat', seconds(ARGV[6]), 'quiet', 'false',
    'rss', 0, 'rtt_us', 0)
  local ttl = math.ceil((tonumber(ARGV[7]) - tonumber(ARGV[6])) / 1000000)
  redis.call('EXPIRE', k(id), math.max(ttl, 1))
end
return done(0)
