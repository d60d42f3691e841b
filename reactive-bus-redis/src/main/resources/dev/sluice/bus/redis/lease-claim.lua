-- Claim a partition's lease for one group if nobody holds it: fence generation + 1, lease '<instance>:<generation>'
-- for ttl ms. KEYS lease, fence; ARGV instance, ttl ms. Returns {0, holder} if the lease is held, else
-- {1, generation, clean}, clean = 1 when the last owner released the lease (or there was none), 0 when it expired.
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
local generation = redis.call('HINCRBY', KEYS[2], 'generation', 1)
local owner = redis.call('HGET', KEYS[2], 'owner')
local clean = 1
if owner and redis.call('HGET', KEYS[2], 'released') ~= '1' then clean = 0 end
redis.call('HSET', KEYS[2], 'owner', ARGV[1], 'released', '0')
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. generation, 'PX', ARGV[2])
return {1, generation, clean}
