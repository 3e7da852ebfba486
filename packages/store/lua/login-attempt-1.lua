-- Starts a login: counts the attempt as failed before the password is checked, so that
-- parallel guesses can never exceed the lock-out threshold. login-finish undoes it.
-- KEYS[1] users:byname
-- ARGV[5] lower-case name   ARGV[6] failures that lock the user
-- Returns {id, password hash} or an error (RET_LOGIN_FAILED for an unknown name).
local id = redis.call('HGET', KEYS[1], ARGV[5])
if not id then return fail('RET_LOGIN_FAILED', 'Login failed') end
local ukey = user_key(id)
local fails = tonumber(redis.call('HGET', ukey, 'fails') or '0')
if fails >= tonumber(ARGV[6]) then
  return fail('RET_USER_LOCKED', 'The user is locked after ' .. fails .. ' failed logins; a CO must change its password')
end
redis.call('HINCRBY', ukey, 'fails', 1)
return { id, redis.call('HGET', ukey, 'pw') }
