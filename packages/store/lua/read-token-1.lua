-- Reads a token and, for each vote, the voter's current key fingerprint (one snapshot).
-- KEYS[1] token key
-- Returns {flat token hash, flat list of user id, current fingerprint ('' if none)}.
local flat = redis.call('HGETALL', KEYS[1])
local fps = {}
for i = 1, #flat, 2 do
  if string.sub(flat[i], 1, 2) == 'v:' then
    local uid = string.sub(flat[i], 3)
    fps[#fps + 1] = uid
    fps[#fps + 1] = redis.call('HGET', user_key(uid), 'fp') or ''
  end
end
return { flat, fps }
