local at = redis.call('HGET', KEYS[3], ARGV[1])
if not at then return -1 end
local side = string.sub(at, 1, 1)
local stream = side == 'P' and KEYS[2] or KEYS[1]
redis.call('XDEL', stream, string.sub(at, 2))
local id = redis.call('XADD', stream, '*', unpack(ARGV, 4))
redis.call('HSET', KEYS[3], ARGV[1], side .. id)
redis.call('ZREM', KEYS[5], ARGV[1])
if side == 'P' or ARGV[2] == '' then
  redis.call('ZREM', KEYS[4], ARGV[1])
else
  redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
end
return 0
