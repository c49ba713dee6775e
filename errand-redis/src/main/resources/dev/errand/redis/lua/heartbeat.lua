-- Extends the leases `owner` still holds. ARGV: prefix, owner, lease expiry (us), count, then id
-- and attempt per job. Returns the ids it no longer holds (another attempt, another owner, ended).
local owner, lease_us, count = ARGV[2], ARGV[3], tonumber(ARGV[4])
local lost = {}
for i = 0, count - 1 do
  local id, attempt = ARGV[5 + 2 * i], ARGV[6 + 2 * i]
  local held = redis.call('HMGET', job_key(id), 'state', 'attempt', 'lease_owner')
  if held[1] == 'running' and held[2] == attempt and held[3] == owner then
    redis.call('HSET', job_key(id), 'lease_expires_at', lease_us)
    redis.call('ZADD', k('errand:running'), lease_us, id)
  else
    lost[#lost + 1] = tonumber(id)
  end
end
return done(lost)
