if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -1 end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
redis.call('HSET', KEYS[2], ARGV[1], 'L' .. id)
if ARGV[2] ~= '' then redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1]) end
return trim(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[3]))
