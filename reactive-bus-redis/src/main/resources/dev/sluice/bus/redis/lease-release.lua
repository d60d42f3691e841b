-- Release a partition lease if it still holds our token, so the next owner may claim it at once. KEYS lease, fence;
-- ARGV token, clean ('1' if the releasing owner's takeover wait had ended, '0' if not: then the owner before it may
-- still run a handler and the next owner must wait as after an unclean end). Returns 1 if released, 0 if it was no
-- longer ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'released', ARGV[2])
  return 1
end
return 0
