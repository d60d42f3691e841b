-- Acknowledge entries of one partition, fenced: only while the lease holds the token they were read under.
-- KEYS stream, lease, audit; ARGV group, token, count ('1': add to acked:<group>, '0': entries gone from the
-- stream, already counted by retention), id.... Returns how many XACK acknowledged, or -1 if refused by the fence.
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return -1 end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 4))
if ARGV[3] == '1' and acked > 0 then redis.call('HINCRBY', KEYS[3], 'acked:' .. ARGV[1], acked) end
return acked
