-- Included by every script: the caller's session, a user's lock, ending sessions.

-- The caller's session (the script's `session` key), checked in the same step as the change
-- it asks for: unexpired, of user `uid`, that user still a crypto officer (a deleted user has
-- no hash: its session's generation 0 would otherwise match the missing one), and of the
-- user's current session generation (a logout, password change or lock ends it). Answers the
-- refusal, or nil.
-- `user`: the user's type and sgen when the script has read them already (HMGET order).
local function session_refusal(uid, user)
  local s = redis.call('HMGET', key('session'), SF.user, SF.expiresAt, SF.generation)
  local u = user or redis.call('HMGET', KEY.user(uid), 'type', 'sgen')
  if s[1] ~= uid or NOW >= tonumber(s[2] or '0') or u[1] ~= 'CO' or (s[3] or '0') ~= (u[2] or '0') then
    return fail('RET_UNAUTHORIZED', 'Unknown or expired session')
  end
  return nil
end

-- Whether a user is locked after failed logins (a lock with an end lifts by itself).
local function lock_state(uid)
  local until_ms = redis.call('HGET', KEY.user(uid), 'lockedUntil')
  if not until_ms then return 'none' end
  if until_ms == 'forever' then return 'forever' end
  if NOW < tonumber(until_ms) then return 'until' end
  return 'none'
end

-- Ends every session of the user the script declares (password change or reset, lock):
-- sessions carry the generation they were made in, and only the current one is accepted.
local function end_sessions()
  redis.call('HINCRBY', key('user'), 'sgen', 1)
end
