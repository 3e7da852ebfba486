-- Ends a login started by login-attempt. A success resets the failure count, stores the
-- session (with the user's session generation) and, when given, a re-hashed password.
-- A failure that reaches the threshold locks the user and ends all its sessions.
-- KEYS: user session audit auditHead
-- ARGV[5] '1' when the password was right   ARGV[6] user id   ARGV[7] session expiry, epoch ms
-- ARGV[8] user name   ARGV[9] failures that lock the user   ARGV[10] lock-out, ms (0: until a reset)
-- ARGV[11] new password hash ('' to keep the stored one)
local ukey = key('user')
if ARGV[5] == '1' then
  if redis.call('EXISTS', ukey) == 0 then return fail('RET_LOGIN_FAILED', 'Login failed') end
  redis.call('HSET', ukey, 'fails', 0)
  if ARGV[11] ~= '' then redis.call('HSET', ukey, 'pw', ARGV[11]) end
  local gen = redis.call('HGET', ukey, 'sgen') or '0'
  redis.call('HSET', key('session'), 'uid', ARGV[6], 'exp', ARGV[7], 'gen', gen)
  redis.call('PEXPIREAT', key('session'), ARGV[7])
  audit('session.login', { userId = tonumber(ARGV[6]), name = ARGV[8] })
  return 1
end
if redis.call('EXISTS', ukey) == 0 then return 0 end
local fails = tonumber(redis.call('HGET', ukey, 'fails') or '0')
audit('session.login_failed', { userId = tonumber(ARGV[6]), name = ARGV[8], failures = fails })
if fails >= tonumber(ARGV[9]) and redis.call('HEXISTS', ukey, 'lockedUntil') == 0 then
  local lock_ms = tonumber(ARGV[10])
  local until_ms = 'forever'
  if lock_ms > 0 then until_ms = NOW + lock_ms end
  redis.call('HSET', ukey, 'lockedUntil', until_ms)
  end_sessions()
  audit('user.locked', { id = tonumber(ARGV[6]), failures = fails, ['until'] = until_ms })
end
return 0
