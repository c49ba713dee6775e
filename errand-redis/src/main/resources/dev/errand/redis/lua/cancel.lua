-- Cancels a job that has not ended: a running one loses its lease, so its holder's heartbeat
-- reports it lost and its result is fenced out. ARGV: prefix, id, now (us), reason. Returns the
-- job's fields after, or an empty list if there is no such job.
local id, now_us, reason = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local job = load(id)
if not job then
  return {}
end
if job.state ~= 'completed' and job.state ~= 'discarded' and job.state ~= 'cancelled' then
  finalize(id, job, 'cancelled', now_us, function(j)
    append_error(j, error_json(j.attempt, now_us, 'cancelled', reason))
    j.lease_owner = false
    j.lease_expires_at = false
  end)
end
return done(fields(id))
