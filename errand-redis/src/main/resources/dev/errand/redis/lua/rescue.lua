-- Ends the attempts whose lease expired before `now`: retryable at their old run time (so they keep
-- their place), or discarded at their last attempt. ARGV: prefix, now (us), limit. Returns the ids
-- made retryable and the ids discarded, as two lists.
local now_us, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', k('errand:running'), '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit)
local retryable, discarded = {}, {}
for _, id in ipairs(expired) do
  local job = load(id)
  local message = 'lease of ' .. job.lease_owner .. ' expired at ' .. iso(tonumber(job.lease_expires_at))
  local last = tonumber(job.attempt) >= tonumber(job.max_attempts)
  local error_text = with_run(error_json(job.attempt, now_us, 'lease_expired', message), job)
  local function expired_attempt(j)
    append_error(j, error_text)
    j.lease_owner = false
    j.lease_expires_at = false
  end
  local extra = failure_extra(job, 'lease_expired', message, now_us)
  if last then
    finalize(id, job, 'discarded', now_us, expired_attempt, extra)
  else
    move(id, job, function(j)
      expired_attempt(j)
      j.state = 'retryable'
    end, extra)
  end
  if last then
    discarded[#discarded + 1] = tonumber(id)
  else
    retryable[#retryable + 1] = tonumber(id)
  end
end
return done({ retryable, discarded })
