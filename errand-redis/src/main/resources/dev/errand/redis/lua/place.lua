-- After a bulk insert (BulkInsert: one MULTI ... EXEC of plain commands), puts the jobs it pushed
-- onto one list in their places in fetch order. They went to the back, as Sidekiq's push puts
-- jobs, which is their place whenever they come after every job waiting there; BulkInsert runs
-- this only when one of them does not (a run time in the past, or a job waiting with a later run
-- time). Apart from the insert: what happened in between is taken as it is. A job no longer
-- available, or no longer in the list (claimed, cancelled), is left alone; one still waiting is
-- taken out (LREM from the left, the end it was pushed to) and put back at its place.
-- ARGV: prefix, then the ids. Returns how many it moved.
local moved = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local job = load(id)
  if job and job.state == 'available' then
    local member = member_of(job)
    local list = list_key(job.queue, job.priority)
    if redis.call('LREM', list, 1, member) == 1 then
      redis.call('ZREM', order_set(job.queue, job.priority), job.ord)
      make_available(job.queue, job.priority, job.ord, member)
      moved = moved + 1
    end
  end
end
return done(moved)
