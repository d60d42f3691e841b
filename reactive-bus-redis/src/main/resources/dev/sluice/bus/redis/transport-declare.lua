-- Record or check a durable type's layout. KEYS meta; ARGV partitions, schema version.
-- Returns {recorded partitions, recorded schema}. A type seen for the first time records both; a later declare with
-- the same partition count raises the recorded schema to the highest declared; another count changes nothing.
if redis.call('HSETNX', KEYS[1], 'partitions', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'schema', ARGV[2])
elseif redis.call('HGET', KEYS[1], 'partitions') == ARGV[1] then
  local schema = tonumber(redis.call('HGET', KEYS[1], 'schema') or '0') or 0
  if tonumber(ARGV[2]) > schema then redis.call('HSET', KEYS[1], 'schema', ARGV[2]) end
end
return {redis.call('HGET', KEYS[1], 'partitions'), redis.call('HGET', KEYS[1], 'schema') or ''}
