-- The last command of a bulk insert (BulkInsert: one MULTI ... EXEC of plain commands), once per
-- list it pushed onto: the jobs it pushed went to the back, as Sidekiq's push does, which is their
-- place in fetch order whenever they come after every job waiting there. When one of them does
-- not (a run time in the past, or a job waiting with a later run time), all of them are taken back
-- out and put in their places as insert.lua puts its jobs.
-- ARGV: prefix, queue, priority, how many jobs it pushed, the smallest of their fetch-order keys.
-- Returns how many it moved: 0, or all of them.
local queue, priority, n, first = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local order, list = order_set(queue, priority), list_key(queue, priority)
-- The pushed jobs' keys are in the set already: past the smallest, n - 1 of them, and nothing else
-- unless a job waiting goes after one of them.
if redis.call('ZLEXCOUNT', order, '(' .. first, '+') == n - 1 then
  return 0
end
-- The last pushed are the leftmost.
local pushed = redis.call('LPOP', list, n)
for _, member in ipairs(pushed) do
  local id = string.match(member, ',"errand_id":(%d+)}$')
  local run_at = string.match(redis.call('HGET', DATA, id), '^%l+:(%d+)')
  local ord = run_at .. pad(id, 19)
  redis.call('ZREM', order, ord)
  make_available(queue, priority, ord, member)
end
return done(n)
