-- Ends a login (or a check of a user's current password) started by login-attempt.
-- A success resets the failure count and, when asked, stores the session (with the
-- user's session generation) and a re-hashed password — but only if the password hash
-- and session generation are still the ones login-attempt answered: a reset or a lock
-- that landed while the password was being checked wins. A failure that reaches the
-- threshold locks the user and ends all its sessions. A permanent lock that would leave a
-- service's M above the officers who could approve becomes a timed one instead.
-- KEYS: user session keyHolders mValues audit auditHead
-- Reaches: user — the key holders' hashes (locks)
-- ARGV[5] '1' when the password was right   ARGV[6] user id   ARGV[7] session expiry, epoch ms
-- ARGV[8] user name   ARGV[9] failures that lock the user   ARGV[10] lock-out, ms (0: until a reset)
-- ARGV[11] new password hash ('' to keep the stored one)   ARGV[12] the password hash that was checked
-- ARGV[13] the session generation login-attempt saw   ARGV[14] '1' to store a session
-- ARGV[15] lock-out used instead of a permanent one that would lock a service out, ms
-- ARGV[16] '1' when the requester may approve
-- Returns: 1 when the login was recorded, 0 when it was a failure counted
local ukey = key('user')
if ARGV[5] == '1' then
  if redis.call('EXISTS', ukey) == 0 then return fail('RET_LOGIN_FAILED', 'Login failed') end
  local now_user = redis.call('HMGET', ukey, 'pw', 'sgen', 'lockedUntil')
  if now_user[1] ~= ARGV[12] or (now_user[2] or '0') ~= ARGV[13] or now_user[3] then
    return fail('RET_LOGIN_FAILED', 'Login failed: the credentials changed while they were checked')
  end
  redis.call('HSET', ukey, 'fails', 0)
  if ARGV[11] ~= '' then redis.call('HSET', ukey, 'pw', ARGV[11]) end
  if ARGV[14] ~= '1' then return 1 end
  redis.call('HSET', key('session'), SF.user, ARGV[6], SF.expiresAt, ARGV[7], SF.generation, ARGV[13])
  redis.call('PEXPIREAT', key('session'), ARGV[7])
  audit('session.login', { userId = tonumber(ARGV[6]), name = ARGV[8] })
  return 1
end
if redis.call('EXISTS', ukey) == 0 then return 0 end
local fails = tonumber(redis.call('HGET', ukey, 'fails') or '0')
audit('session.login_failed', { userId = tonumber(ARGV[6]), name = ARGV[8], failures = fails })
if fails >= tonumber(ARGV[9]) and redis.call('HEXISTS', ukey, 'lockedUntil') == 0 then
  local lock_ms = tonumber(ARGV[10])
  local reason = nil
  if lock_ms == 0 and redis.call('SISMEMBER', key('keyHolders'), ARGV[6]) == 1 then
    local left = eligible_approvers(ARGV[16] == '1', ARGV[6])
    for _, service in ipairs(SERVICES) do
      local m = m_value(service)
      if m > 1 and m > left then
        lock_ms = tonumber(ARGV[15])
        reason = 'a permanent lock would leave ' .. service .. ' out of reach'
      end
    end
  end
  local until_ms = 'forever'
  if lock_ms > 0 then until_ms = NOW + lock_ms end
  redis.call('HSET', ukey, 'lockedUntil', until_ms)
  end_sessions()
  audit('user.locked', { id = tonumber(ARGV[6]), failures = fails, ['until'] = until_ms, reason = reason })
end
return 0
