-- setMValue, behind its quorum gate (PROTECTED.setMValue) with max(M(that service), M(service)) approvals.
-- The lock-out guard runs first: an M above the officers who could approve its tokens
-- is refused unless the signed operation itself says force. Raising an M sends every
-- APPROVED token below its new bar back to PENDING.
-- KEYS: mValues gateToken keyHolders openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user userKeys userVotes webhook service group officers keyHolders passkeyHolders — the officers holding passkeys; the service's hash (its policy version); the key holders' hashes (locks); the APPROVED tokens and their voters; the gate token's voters' key history; the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV: requester operationDigest issuer requesterMayApprove service m force retentionMs verified
--   `m` new M   `force` '1' when the operation says force
--   `retentionMs` retention of finished tokens, ms
-- Returns: the new M
local service, m = A.service, tonumber(A.m)
local force = A.force == '1'
local may = A.requesterMayApprove == '1'
local err = check_reachable(service, m, eligible_approvers(may, nil), force)
if err then return err end
-- A built-in service requiring passkeys (setPolicy): only the officers holding one could approve.
if redis.call('HGET', KEY.service(service), SVF.requirePasskey) == '1' then
  local with_passkeys = 0
  for _, uid in ipairs(redis.call('SMEMBERS', KEY.passkeyHolders())) do
    if redis.call('SISMEMBER', key('keyHolders'), uid) == 1 and lock_state(uid) ~= 'forever' then with_passkeys = with_passkeys + 1 end
  end
  if not may and with_passkeys > 0 then with_passkeys = with_passkeys - 1 end
  err = check_reachable(service, m, with_passkeys, force)
  if err then return err end
end
local required_m = math.max(m_value(PROTECTED.setMValue), m_value(service))
if force then required_m = max_m_all() end
local gate
err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.setMValue, A.operationDigest, A.issuer, required_m, may, A.verified)
if err then return err end
commit_gate(gate, tonumber(A.retentionMs))
local old = m_value(service)
set_m_value(service, m)
-- A built-in service's policy is its M: its version moves with it.
redis.call('HINCRBY', KEY.service(service), SVF.version, 1)
audit('quorum.m_changed', { service = service, from = old, to = m, forced = force })
if m > old then reopen_tokens_below_bar(may) end
return m
