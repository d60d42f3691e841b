-- Retention of one partition stream. KEYS stream, audit; ARGV max length (0: none), batch (most entries MAXLEN
-- removes per call). Returns {entries trimmed, entries trimmed unhandled (all groups), entries trimmed by the max
-- length, group, count, ...}.
--
-- 1. XTRIM MINID to the oldest entry any group still needs: its oldest pending entry, or the first entry after its
--    last delivered one. A stream without groups is not trimmed by this rule (a group created later at the oldest
--    entry would read it).
-- 2. With a max length, the oldest entries beyond it go too, at most `batch` per call; for every group each one it
--    had not handled (pending, or not yet delivered) is counted in trimmed-unhandled:<group>, and the pending ones are
--    acknowledged (a deleted entry can never be handled; left pending it would pin rule 1 and the group's pending
--    count for ever).
-- Every entry removed is counted in the audit's `trimmed`. Stream ids are compared as numbers (ms, seq).
local stream, audit = KEYS[1], KEYS[2]
local maxlen, batch = tonumber(ARGV[1]), tonumber(ARGV[2])
if redis.call('EXISTS', stream) == 0 then return {0, 0, 0} end

local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return {tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))}
end
local function less(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end
local function after(id)
  return string.format('%.0f-%.0f', id[1], id[2] + 1)
end

local groups = {}
for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local g = {}
  for i = 1, #info, 2 do g[info[i]] = info[i + 1] end
  groups[#groups + 1] = g
end

local trimmed = 0
local keep = nil
for _, g in ipairs(groups) do
  local needed
  if g['pending'] > 0 then
    needed = parse(redis.call('XPENDING', stream, g['name'])[2])
  else
    local last = parse(g['last-delivered-id'])
    needed = {last[1], last[2] + 1}
  end
  if keep == nil or less(needed, keep) then keep = needed end
end
if keep ~= nil then
  trimmed = redis.call('XTRIM', stream, 'MINID', string.format('%.0f-%.0f', keep[1], keep[2]))
end

local result = {}
local unhandled = 0
local beyond = 0
if maxlen > 0 then
  local over = redis.call('XLEN', stream) - maxlen
  if over > batch then over = batch end
  if over > 0 then
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', over)
    local lastId = oldest[#oldest][1]
    local last = parse(lastId)
    for _, g in ipairs(groups) do
      local n = 0
      local delivered = g['last-delivered-id']
      if less(parse(delivered), last) then
        n = n + #redis.call('XRANGE', stream, '(' .. delivered, lastId, 'COUNT', over)
      end
      local pending = redis.call('XPENDING', stream, g['name'], '-', lastId, over)
      if #pending > 0 then
        local ids = {}
        for i, p in ipairs(pending) do ids[i] = p[1] end
        redis.call('XACK', stream, g['name'], unpack(ids))
        n = n + #pending
      end
      if n > 0 then
        redis.call('HINCRBY', audit, 'trimmed-unhandled:' .. g['name'], n)
        unhandled = unhandled + n
        result[#result + 1] = g['name']
        result[#result + 1] = n
      end
    end
    beyond = redis.call('XTRIM', stream, 'MINID', after(last))
    trimmed = trimmed + beyond
  end
end
if trimmed > 0 then redis.call('HINCRBY', audit, 'trimmed', trimmed) end
return {trimmed, unhandled, beyond, unpack(result)}
