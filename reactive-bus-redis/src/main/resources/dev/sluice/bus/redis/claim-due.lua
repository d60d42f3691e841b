local now = tonumber(ARGV[1])
if tonumber(ARGV[2]) <= now then return redis.error_reply('lease end must be after now') end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[1])
local limit = tonumber(ARGV[3])
local out = {}
local skipped = 0
while #out < limit do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', skipped, limit - #out)
  if #batch == 0 then break end
  for _, letter in ipairs(batch) do
    local at = redis.call('HGET', KEYS[2], letter)
    local entry = nil
    if at and string.sub(at, 1, 1) == 'L' then
      local id = string.sub(at, 2)
      entry = redis.call('XRANGE', KEYS[1], id, id)[1]
    end
    if not entry then
      redis.call('ZREM', KEYS[3], letter)
    else
      local held = redis.call('ZSCORE', KEYS[4], letter)
      if held and tonumber(held) > now then
        skipped = skipped + 1
      else
        redis.call('ZADD', KEYS[4], ARGV[2], letter)
        redis.call('ZADD', KEYS[3], ARGV[2], letter)
        out[#out + 1] = entry[2]
      end
    end
  end
end
return out
