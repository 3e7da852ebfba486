-- Resolves a session to its user.   KEYS[1] session key
-- Returns the user's hash as a flat list, or an empty list.
local uid = redis.call('HGET', KEYS[1], 'uid')
if not uid then return {} end
if NOW >= tonumber(redis.call('HGET', KEYS[1], 'exp') or '0') then return {} end
return redis.call('HGETALL', user_key(uid))
