-- Starts a login: counts the attempt as failed before the password is checked, so that
-- parallel guesses can never exceed the lock-out threshold. login-finish undoes it.
-- A lock with an end lifts by itself once that time has passed (an audit entry says so).
-- KEYS: usersByName audit auditHead
-- Reaches: user — the hash of the user the name points to
-- ARGV[5] lower-case name   ARGV[6] failures that lock the user
-- Returns: {id, password hash, session generation} or an error (RET_LOGIN_FAILED for an
-- unknown name); login-finish checks that neither changed meanwhile.
local id = redis.call('HGET', key('usersByName'), ARGV[5])
if not id then return fail('RET_LOGIN_FAILED', 'Login failed') end
local ukey = KEY.user(id)
local until_ms = redis.call('HGET', ukey, 'lockedUntil')
if until_ms then
  if until_ms == 'forever' then
    return fail('RET_USER_LOCKED', 'The user is locked after too many failed logins; a password reset (' .. PROTECTED.changePswd .. ' quorum) unlocks it')
  end
  if NOW < tonumber(until_ms) then
    return fail('RET_USER_LOCKED', 'The user is locked after too many failed logins; try again in ' ..
      math.ceil((tonumber(until_ms) - NOW) / 1000) .. ' s')
  end
  redis.call('HDEL', ukey, 'lockedUntil')
  redis.call('HSET', ukey, 'fails', 0)
  audit('user.unlocked', { id = tonumber(id), reason = 'lock-out time passed' })
end
local fails = tonumber(redis.call('HGET', ukey, 'fails') or '0')
if fails >= tonumber(ARGV[6]) then
  return fail('RET_USER_LOCKED', 'The user is locked after ' .. fails .. ' failed logins')
end
redis.call('HINCRBY', ukey, 'fails', 1)
local user = redis.call('HMGET', ukey, 'pw', 'sgen')
return { id, user[1], user[2] or '0' }
