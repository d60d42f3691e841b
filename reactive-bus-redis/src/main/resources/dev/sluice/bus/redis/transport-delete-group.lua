-- Delete one subscriber's consumer group on one partition, with its lease, fence and audit counters.
-- KEYS stream, audit, lease, fence; ARGV group. Returns 1 if the group existed, else 0.
local existed = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  existed = redis.call('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('HDEL', KEYS[2], 'acked:' .. ARGV[1], 'trimmed-unhandled:' .. ARGV[1], 'base:' .. ARGV[1],
  'redelivered:' .. ARGV[1])
return existed
