-- Deletes final jobs finalized before their state's cut-off, oldest first, at most `limit`.
-- ARGV: prefix, completed cut-off, discarded cut-off, cancelled cut-off (us), limit. Returns the
-- number deleted.
local cutoff = { completed = tonumber(ARGV[2]), discarded = tonumber(ARGV[3]), cancelled = tonumber(ARGV[4]) }
local limit = tonumber(ARGV[5])
local latest = math.max(cutoff.completed, cutoff.discarded, cutoff.cancelled)
local deleted, offset = 0, 0
while deleted < limit do
  local batch = redis.call('ZRANGEBYSCORE', k('errand:finished'), '-inf', '(' .. int(latest), 'LIMIT', offset, 100)
  if #batch == 0 then
    break
  end
  for _, id in ipairs(batch) do
    if deleted >= limit then
      break
    end
    local job = load(id)
    if tonumber(job.finalized_at) < cutoff[job.state] then
      detach(id, job)
      delete_record(id)
      deleted = deleted + 1
    else
      offset = offset + 1
    end
  end
end
return done(deleted)
