-- A job's unresolved dependency edges (JobEdges). ARGV: prefix, id, how many of each direction
-- (one more than a page, to tell whether more exist). Returns the ids it waits on and the ids
-- waiting on it, each ascending.
local id, limit = ARGV[2], tonumber(ARGV[3])
if redis.call('HEXISTS', DATA, int(id)) == 0 then
  return done({ {}, {} })
end
local dependencies = {}
for _, dependency in ipairs(redis.call('ZRANGE', k('errand:waits_on:' .. int(id)), 0, limit - 1)) do
  dependencies[#dependencies + 1] = tonumber(dependency)
end
-- The set is unordered: read whole and sorted. It holds one entry per job waiting on this one,
-- few except for a job many others were made to wait on. A job deleted while it waited leaves the
-- set (delete_record), but one deleted by an older Errand may still be in it: skipped.
local dependents = {}
local members = redis.call('SMEMBERS', k('errand:dependents:' .. int(id)))
table.sort(members, function(a, b) return tonumber(a) < tonumber(b) end)
for _, dependent in ipairs(members) do
  if #dependents == limit then
    break
  end
  if redis.call('HEXISTS', DATA, dependent) == 1 then
    dependents[#dependents + 1] = tonumber(dependent)
  end
end
return done({ dependencies, dependents })
