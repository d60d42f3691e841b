local at = redis.call('HGET', KEYS[3], ARGV[1])
if not at then return 0 end
redis.call('XDEL', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], string.sub(at, 2))
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
