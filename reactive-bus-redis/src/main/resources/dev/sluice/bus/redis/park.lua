local at = redis.call('HGET', KEYS[3], ARGV[1])
if not at then return -1 end
redis.call('XDEL', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], string.sub(at, 2))
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
redis.call('HSET', KEYS[3], ARGV[1], 'P' .. id)
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return trim(KEYS[2], KEYS[3], KEYS[4], KEYS[5], tonumber(ARGV[3]))
