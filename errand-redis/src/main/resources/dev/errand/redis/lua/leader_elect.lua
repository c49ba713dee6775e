-- Takes or renews the leadership `name` for `owner` until `expires`, if it is free, expired or
-- already the owner's. ARGV: prefix, name, owner, now (us), expires (us). Returns 1 if won.
local key = k('errand:leader:' .. ARGV[2])
local owner, now_us = ARGV[3], tonumber(ARGV[4])
local current = redis.call('HMGET', key, 'owner', 'expires_at')
if current[1] and current[1] ~= owner and tonumber(current[2]) >= now_us then
  return 0
end
redis.call('HSET', key, 'owner', owner, 'expires_at', ARGV[5])
return 1
