-- Renew an instance lease. KEYS lease; ARGV generation, ttl ms.
-- Returns 1 if renewed, 2 if it had expired and nobody held it (taken again), 0 if another instance holds it.
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
