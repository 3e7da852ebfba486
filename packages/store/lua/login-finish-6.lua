-- Ends a login (or a check of a user's current password) started by login-attempt.
-- A failure is audited; it was counted already, and it ends nothing: no lock, no session
-- ended. A success stores the session (with the user's session generation) and a re-hashed
-- password when asked, resets the user's failure count and the name's, and takes back the
-- address's count of this try — but only if the password hash and session generation are
-- still the ones login-attempt answered (a reset that landed while the password was being
-- checked wins), and only if the user is not locked: a lock that an officer or a quorum put
-- on the user (or one left from an earlier version) is told only to whoever knows the password.
-- KEYS: user session loginName loginSource audit auditHead
-- ARGV[5] '1' when the password was right   ARGV[6] user id   ARGV[7] session expiry, epoch ms
-- ARGV[8] user name   ARGV[9] new password hash ('' to keep the stored one)
-- ARGV[10] the password hash that was checked   ARGV[11] the session generation login-attempt saw
-- ARGV[12] '1' to store a session   ARGV[13] the address's wait login-attempt set ('' for none)
local ukey = key('user')
if ARGV[5] ~= '1' then
  if redis.call('EXISTS', ukey) == 0 then return 0 end
  audit('session.login_failed', { userId = tonumber(ARGV[6]), name = ARGV[8], failures = tonumber(redis.call('HGET', ukey, 'fails') or '0') })
  return 0
end
if redis.call('EXISTS', ukey) == 0 then return fail('RET_LOGIN_FAILED', 'Login failed: unknown user or wrong password') end
local now_user = redis.call('HMGET', ukey, 'pw', 'sgen', 'lockedUntil')
if now_user[1] ~= ARGV[10] or (now_user[2] or '0') ~= ARGV[11] then
  return fail('RET_LOGIN_FAILED', 'Login failed: the credentials changed while they were checked')
end
local locked = now_user[3]
if locked == 'forever' then
  return fail('RET_USER_LOCKED', 'The user is locked; a password reset (USER_MGMT quorum) unlocks it')
end
if locked and NOW < tonumber(locked) then
  return fail('RET_USER_LOCKED', 'The user is locked; try again in ' .. math.ceil((tonumber(locked) - NOW) / 1000) .. ' s')
end
if locked then
  redis.call('HDEL', ukey, 'lockedUntil')
  audit('user.unlocked', { id = tonumber(ARGV[6]), reason = 'lock-out time passed' })
end
redis.call('DEL', key('loginName'))
local source = key('loginSource')
if redis.call('HINCRBY', source, 'f', -1) <= 0 then
  redis.call('DEL', source)
elseif ARGV[13] ~= '' and redis.call('HGET', source, 't') == ARGV[13] then
  redis.call('HDEL', source, 't')
end
redis.call('HSET', ukey, 'fails', 0)
if ARGV[9] ~= '' then redis.call('HSET', ukey, 'pw', ARGV[9]) end
if ARGV[12] ~= '1' then return 1 end
redis.call('HSET', key('session'), 'uid', ARGV[6], 'exp', ARGV[7], 'gen', ARGV[11])
redis.call('PEXPIREAT', key('session'), ARGV[7])
audit('session.login', { userId = tonumber(ARGV[6]), name = ARGV[8] })
return 1
