-- Renew a partition lease if it still holds our token. KEYS lease; ARGV token '<instance>:<generation>', ttl ms.
-- Returns 1 if renewed, 0 if the lease is gone or another owner's (the partition is lost).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
