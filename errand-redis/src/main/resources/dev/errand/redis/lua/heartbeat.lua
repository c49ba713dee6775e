-- Extends the leases `owner` still holds, and keeps the heartbeat's time as each job's
-- heartbeat_at. ARGV: prefix, owner, now (us), lease expiry (us), count, then id and attempt per
-- job. Returns the ids it no longer holds (another attempt, another owner, ended).
local owner, now_us, lease_us, count = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local lost = {}
for i = 0, count - 1 do
  local id, attempt = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
  local held = redis.call('HMGET', job_key(id), 'state', 'attempt', 'lease_owner')
  if held[1] == 'running' and held[2] == attempt and held[3] == owner then
    redis.call('HSET', job_key(id), 'lease_expires_at', lease_us, 'heartbeat_at', now_us)
    redis.call('ZADD', k('errand:running'), lease_us, id)
  else
    lost[#lost + 1] = tonumber(id)
  end
end
return done(lost)
