-- changePswd. Another user's password: behind its quorum gate (PROTECTED.changePswd), consuming the
-- token with the change. One's own: no gate (the service checked the current password).
-- Either way every session of the user ends, the failure count is reset and a lock is
-- lifted (this is how a locked user is unlocked). A crypto officer's password reset through a
-- quorum token is a one-time password (`otp`, as create-user sets it): its requester knows
-- it, so the officer must set its own before its sessions can do anything else; the user's
-- own change clears the flag. Another officer's password is also held to the policy of every
-- custom service whose rules count that officer.
-- KEYS: user gateToken mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user userKeys userVotes webhook customServices group officers service keyHolders — the gate token's voters (whether their votes count; finishing it; their key history); the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV: requester operationDigest issuer requesterMayApprove userId passwordHash gated retentionMs verified
--   `gated` '1' when gated
--   `retentionMs` retention of finished tokens, ms
-- Returns: 1 (or a refusal)
local ukey = key('user')
local gate = { token = nil }
if A.gated == '1' then
  -- Another officer's password hands out its approving power: every service's M.
  local required_m = m_value(PROTECTED.changePswd)
  if redis.call('HGET', ukey, 'type') == 'CO' then required_m = max_m_all() end
  local err
  err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.changePswd, A.operationDigest, A.issuer, required_m, A.requesterMayApprove == '1', A.verified)
  if err then return err end
  -- And the policy of every custom service whose rules count this officer (its account votes there too).
  if redis.call('HGET', ukey, 'type') == 'CO' then
    err = check_gate_policies(gate, policies_counting(A.userId), A.requesterMayApprove == '1')
    if err then return err end
  end
end
if redis.call('EXISTS', ukey) == 0 then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. A.userId) end
commit_gate(gate, tonumber(A.retentionMs))
local was_locked = redis.call('HEXISTS', ukey, 'lockedUntil') == 1
redis.call('HSET', ukey, 'pw', A.passwordHash, 'fails', 0)
redis.call('HDEL', ukey, 'lockedUntil')
local one_time = gate.token ~= nil and redis.call('HGET', ukey, 'type') == 'CO'
-- The user's own change of a one-time password: audited as such (whoever finds its one-time
-- password already replaced, or sees this entry come too early, knows someone else used it).
local replaced_one_time = nil
if one_time then
  redis.call('HSET', ukey, 'otp', 1)
elseif A.gated ~= '1' and redis.call('HDEL', ukey, 'otp') == 1 then
  replaced_one_time = true
end
end_sessions()
audit('user.password_changed', { id = tonumber(A.userId), reset = A.gated == '1', oneTimePassword = one_time or nil, replacedOneTimePassword = replaced_one_time })
if was_locked then audit('user.unlocked', { id = tonumber(A.userId), reason = 'password reset' }) end
return 1
