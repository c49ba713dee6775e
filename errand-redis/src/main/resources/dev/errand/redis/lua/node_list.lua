-- The nodes whose report has not expired by `now`, in id order: per node its id and its report's
-- fields, flat. ARGV: prefix, now (us).
local ids = redis.call('ZRANGEBYSCORE', k('errand:nodes'), ARGV[2], '+inf')
table.sort(ids)
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = { id, redis.call('HGETALL', k('errand:node:' .. id)) }
end
return done(out)
