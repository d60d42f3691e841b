-- Release a partition lease cleanly if it still holds our token, so the next owner starts at once. KEYS lease,
-- fence; ARGV token. Returns 1 if released, 0 if it was no longer ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'released', '1')
  return 1
end
return 0
