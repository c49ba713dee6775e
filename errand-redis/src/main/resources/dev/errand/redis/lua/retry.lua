-- Makes a job that does not run available now, with one more attempt if it had used them all.
-- ARGV: prefix, id, now (us). Returns its fields after, or an empty list if there is no such job.
local id, now_us = ARGV[2], tonumber(ARGV[3])
local job = load(id)
if not job then
  return {}
end
if job.state ~= 'running' then
  if job.uk and job.uk ~= '' then
    local holder = redis.call('GET', k('errand:unique:' .. job.uk))
    if holder and holder ~= int(id) then
      return redis.error_reply('ERRAND_DUPLICATE ' .. int(id) .. ' ' .. holder)
    end
  end
  move(id, job, function(j)
    j.state = 'available'
    j.scheduled_at = ARGV[3]
    j.finalized_at = false
    j.lease_owner = false
    j.lease_expires_at = false
    if tonumber(j.attempt) >= tonumber(j.max_attempts) then
      j.max_attempts = tonumber(j.attempt) + 1
    end
  end)
end
return done(fields(id))
