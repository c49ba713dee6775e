-- Deletes a job that does not run. ARGV: prefix, id, now (us). Returns 1 if deleted, else 0.
local id = ARGV[2]
local job = load(id)
if not job or job.state == 'running' then
  return done(0)
end
detach(id, job)
delete_record(id)
-- A job deleted before it ended never completes: the jobs waiting on it count it as cancelled.
if job.has_dependents == '1' then
  resolve_dependents(id, 'cancelled', tonumber(ARGV[3]))
end
return done(1)
