-- Create a subscriber's consumer group on one partition stream, idempotently, and record in the audit how many of
-- the partition's entries the group will never see. KEYS stream, audit; ARGV group, start id ('$' newest, '0'
-- oldest). Returns 1 if created now, 0 if the group existed (BUSYGROUP is success).
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
if type(created) == 'table' and created.err then
  if string.find(created.err, 'BUSYGROUP', 1, true) then return 0 end
  return redis.error_reply(created.err)
end
-- a group created again (it vanished: Redis lost its data, or it was destroyed under a running subscriber) starts
-- a new audit
redis.call('HDEL', KEYS[2], 'acked:' .. ARGV[1], 'trimmed-unhandled:' .. ARGV[1], 'redelivered:' .. ARGV[1])
-- entries trimmed before the group existed were never the group's; at '$' neither are the ones still stored
local base = tonumber(redis.call('HGET', KEYS[2], 'trimmed') or '0')
if ARGV[2] == '$' then base = base + redis.call('XLEN', KEYS[1]) end
redis.call('HSET', KEYS[2], 'base:' .. ARGV[1], base)
return 1
