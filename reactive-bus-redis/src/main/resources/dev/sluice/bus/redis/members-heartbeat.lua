-- Renew one consumer's membership of a group and drop the members whose lease ended, by the Redis clock (so the
-- members' own clocks never disagree about who is live). KEYS members; ARGV instance, ttl ms. Returns the live
-- members ordered by lease end (the caller sorts them by name).
redis.replicate_commands()
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
