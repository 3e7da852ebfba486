-- changePswd. Another user's password: behind the USER_MGMT quorum gate, consuming the
-- token with the change. One's own: no gate (the service checked the current password).
-- Either way every session of the user ends, the failure count is reset and a lock is
-- lifted (this is how a locked user is unlocked). A crypto officer's password reset through a
-- quorum token is a one-time password (`otp`, as create-user sets it): its requester knows
-- it, so the officer must set its own before its sessions can do anything else; the user's
-- own change clears the flag.
-- KEYS: user gateToken mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: the gate token's voters (whether their votes count; finishing it; their key history); the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV[5] requester key   ARGV[6] SHA-256 (hex) of the canonical operation   ARGV[7] issuer
-- ARGV[8] '1' when the requester may approve
-- ARGV[9] user id   ARGV[10] password hash   ARGV[11] '1' when gated
-- ARGV[12] retention of finished tokens, ms   ARGV[13] the gate token's votes verified in Node (see check_gate)
local ukey = key('user')
local gate = { token = nil }
if ARGV[11] == '1' then
  -- Another officer's password hands out its approving power: every service's M.
  local required_m = m_value('USER_MGMT')
  if redis.call('HGET', ukey, 'type') == 'CO' then required_m = max_m_all() end
  local err
  err, gate = check_gate(key('gateToken'), ARGV[5], 'USER_MGMT', ARGV[6], ARGV[7], required_m, ARGV[8] == '1', ARGV[13])
  if err then return err end
end
if redis.call('EXISTS', ukey) == 0 then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. ARGV[9]) end
commit_gate(gate, tonumber(ARGV[12]))
local was_locked = redis.call('HEXISTS', ukey, 'lockedUntil') == 1
redis.call('HSET', ukey, 'pw', ARGV[10], 'fails', 0)
redis.call('HDEL', ukey, 'lockedUntil')
local one_time = gate.token ~= nil and redis.call('HGET', ukey, 'type') == 'CO'
-- The user's own change of a one-time password: audited as such (whoever finds its one-time
-- password already replaced, or sees this entry come too early, knows someone else used it).
local replaced_one_time = nil
if one_time then
  redis.call('HSET', ukey, 'otp', 1)
elseif ARGV[11] ~= '1' and redis.call('HDEL', ukey, 'otp') == 1 then
  replaced_one_time = true
end
end_sessions()
audit('user.password_changed', { id = tonumber(ARGV[9]), reset = ARGV[11] == '1', oneTimePassword = one_time or nil, replacedOneTimePassword = replaced_one_time })
if was_locked then audit('user.unlocked', { id = tonumber(ARGV[9]), reason = 'password reset' }) end
return 1
