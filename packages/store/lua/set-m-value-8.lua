-- setMValue, behind its quorum gate (PROTECTED.setMValue) with max(M(that service), M(service)) approvals.
-- The lock-out guard runs first: an M above the officers who could approve its tokens
-- is refused unless the signed operation itself says force. Raising an M sends every
-- APPROVED token below its new bar back to PENDING.
-- KEYS: mValues gateToken keyHolders openTokens approvedTokens audit auditHead outbox
-- Reaches: the key holders' hashes (locks); the APPROVED tokens and their voters; the gate token's voters' key history; the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV[5] requester key   ARGV[6] SHA-256 (hex) of the canonical operation   ARGV[7] issuer
-- ARGV[8] '1' when the requester may approve
-- ARGV[9] service   ARGV[10] new M   ARGV[11] '1' when the operation says force
-- ARGV[12] retention of finished tokens, ms   ARGV[13] the gate token's votes verified in Node (see check_gate)
local service, m = ARGV[9], tonumber(ARGV[10])
local force = ARGV[11] == '1'
local may = ARGV[8] == '1'
local err = check_reachable(service, m, eligible_approvers(may, nil), force)
if err then return err end
local required_m = math.max(m_value(PROTECTED.setMValue), m_value(service))
if force then required_m = max_m_all() end
local gate
err, gate = check_gate(key('gateToken'), ARGV[5], PROTECTED.setMValue, ARGV[6], ARGV[7], required_m, may, ARGV[13])
if err then return err end
commit_gate(gate, tonumber(ARGV[12]))
local old = m_value(service)
set_m_value(service, m)
audit('quorum.m_changed', { service = service, from = old, to = m, forced = force })
if m > old then reopen_tokens_below_bar(may) end
return m
