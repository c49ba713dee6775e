-- Gives the leadership `name` up if `owner` holds it. ARGV: prefix, name, owner.
local key = k('errand:leader:' .. ARGV[2])
if redis.call('HGET', key, 'owner') == ARGV[3] then
  redis.call('DEL', key)
end
return 0
