-- The server's clock: seconds and microseconds, the time every node compares its own with.
return redis.call('TIME')
