local n = redis.call('XLEN', KEYS[1]) + redis.call('XLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return n
