-- Resolves a session to its user. A session counts only while it is unexpired and of
-- the user's current session generation (a password change, reset or lock moves the
-- generation on).
-- KEYS: session
-- Reaches: user — the hash of the session's user
-- ARGV:
-- Returns: the user's hash as a flat list, or an empty list.
local s = redis.call('HMGET', key('session'), SF.user, SF.expiresAt, SF.generation)
if not s[1] then return {} end
if NOW >= tonumber(s[2] or '0') then return {} end
local user = redis.call('HGETALL', KEY.user(s[1]))
if #user == 0 then return {} end
local u = hash_to_table(user)
if (u.sgen or '0') ~= (s[3] or '0') then return {} end
return user
