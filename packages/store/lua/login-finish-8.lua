-- Ends a login (or a check of a user's current password) started by login-attempt.
-- A failure is audited; it was counted already, and it ends nothing: no lock, no session
-- ended. A success stores the session (with the user's session generation) and a re-hashed
-- password when asked, resets the user's failure count and the name's, and takes back the
-- address's count of this try — but only if the password hash and session generation are
-- still the ones login-attempt answered (a reset that landed while the password was being
-- checked wins), and only if the user is not locked: a lock that an officer or a quorum put
-- on the user (or one left from an earlier version) is told only to whoever knows the password.
-- A success clears the count of the name it was taken on (its known addresses', or all
-- others'), and makes the address one of the name's known addresses (the newest
-- `knownSourcesKept`, each for `knownSourcesKeepMs` after its last success).
-- KEYS: user session loginName loginNameKnown loginKnownSources loginSource audit auditHead
-- Reaches: nothing — only the keys it is handed
-- Returns: 1 when the login was recorded, 0 when it was a failure counted
-- ARGV: passwordRight userId sessionExpiresAt name newPasswordHash checkedPasswordHash sessionGeneration storeSession sourceWait source knownSource knownSourcesKept knownSourcesKeepMs
--   `passwordRight` '1' when the password was right   `userId` user id   `sessionExpiresAt` session expiry, epoch ms
--   `name` user name   `newPasswordHash` new password hash ('' to keep the stored one)
--   `checkedPasswordHash` the password hash that was checked   `sessionGeneration` the session generation login-attempt saw
--   `storeSession` '1' to store a session   `sourceWait` the address's wait login-attempt set ('' for none)
--   `source` the source address   `knownSource` '1' when login-attempt counted it as a known address of the name
--   `knownSourcesKept` how many known addresses a name keeps   `knownSourcesKeepMs` how long one is kept after its last success, ms
local ukey = key('user')
if A.passwordRight ~= '1' then
  if redis.call('EXISTS', ukey) == 0 then return 0 end
  audit('session.login_failed', { userId = tonumber(A.userId), name = A.name, failures = tonumber(redis.call('HGET', ukey, 'fails') or '0') })
  return 0
end
if redis.call('EXISTS', ukey) == 0 then return fail('RET_LOGIN_FAILED', 'Login failed: unknown user or wrong password') end
local now_user = redis.call('HMGET', ukey, 'pw', 'sgen', 'lockedUntil')
if now_user[1] ~= A.checkedPasswordHash or (now_user[2] or '0') ~= A.sessionGeneration then
  return fail('RET_LOGIN_FAILED', 'Login failed: the credentials changed while they were checked')
end
local locked = now_user[3]
if locked == 'forever' then
  return fail('RET_USER_LOCKED', 'The user is locked; a password reset (' .. PROTECTED.changePswd .. ' quorum) unlocks it')
end
if locked and NOW < tonumber(locked) then
  return fail('RET_USER_LOCKED', 'The user is locked; try again in ' .. math.ceil((tonumber(locked) - NOW) / 1000) .. ' s')
end
if locked then
  redis.call('HDEL', ukey, 'lockedUntil')
  audit('user.unlocked', { id = tonumber(A.userId), reason = 'lock-out time passed' })
end
redis.call('DEL', A.knownSource == '1' and key('loginNameKnown') or key('loginName'))
local known = key('loginKnownSources')
redis.call('ZADD', known, NOW, A.source)
redis.call('ZREMRANGEBYRANK', known, 0, -1 - tonumber(A.knownSourcesKept))
redis.call('PEXPIRE', known, A.knownSourcesKeepMs)
local source = key('loginSource')
if redis.call('HINCRBY', source, 'f', -1) <= 0 then
  redis.call('DEL', source)
elseif A.sourceWait ~= '' and redis.call('HGET', source, 't') == A.sourceWait then
  redis.call('HDEL', source, 't')
end
redis.call('HSET', ukey, 'fails', 0)
if A.newPasswordHash ~= '' then redis.call('HSET', ukey, 'pw', A.newPasswordHash) end
if A.storeSession ~= '1' then return 1 end
redis.call('HSET', key('session'), SF.user, A.userId, SF.expiresAt, A.sessionExpiresAt, SF.generation, A.sessionGeneration)
redis.call('PEXPIREAT', key('session'), A.sessionExpiresAt)
audit('session.login', { userId = tonumber(A.userId), name = A.name })
return 1
