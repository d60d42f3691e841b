-- Read one partition's audit at one instant. KEYS stream, audit.
-- Returns {stream length, {audit field, value, ...}, {group, pending, ...}}.
local length = 0
local groups = {}
if redis.call('EXISTS', KEYS[1]) == 1 then
  length = redis.call('XLEN', KEYS[1])
  for _, info in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local name, pending
    for i = 1, #info, 2 do
      if info[i] == 'name' then name = info[i + 1] elseif info[i] == 'pending' then pending = info[i + 1] end
    end
    groups[#groups + 1] = name
    groups[#groups + 1] = pending
  end
end
return {length, redis.call('HGETALL', KEYS[2]), groups}
