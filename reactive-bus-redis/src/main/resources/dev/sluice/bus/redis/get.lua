local at = redis.call('HGET', KEYS[3], ARGV[1])
if not at then return {} end
local id = string.sub(at, 2)
local entry = redis.call('XRANGE', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], id, id)
if #entry == 0 then return {} end
return entry[1][2]
