local function trim(stream, ids, due, leases, maxlen)
  if maxlen <= 0 then return 0 end
  local over = redis.call('XLEN', stream) - maxlen
  if over <= 0 then return 0 end
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', over)
  for _, entry in ipairs(oldest) do
    redis.call('XDEL', stream, entry[1])
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'letter_id' then
        redis.call('HDEL', ids, fields[i + 1])
        redis.call('ZREM', due, fields[i + 1])
        redis.call('ZREM', leases, fields[i + 1])
        break
      end
    end
  end
  return #oldest
end
