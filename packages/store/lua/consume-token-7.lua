-- consume, for external systems: marks an APPROVED token CONSUMED if the caller is its
-- requester and the operation is exactly the token's. At most once, ever.
-- KEYS: token mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: the token's voters (whether their votes count; their key history, user:<id>:keys), the requester's webhook
-- ARGV[5] caller's requester key   ARGV[6] SHA-256 (hex) of the canonical operation   ARGV[7] issuer
-- ARGV[8] '1' when the requester may approve   ARGV[9] retention of finished tokens, ms
-- ARGV[10] the token's votes verified in Node (see check_gate)
-- Returns the token as read-token returns it, after consumption.
local t = load_token(key('token'))
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
local err, gate = check_gate(key('token'), ARGV[5], t[TF.service], ARGV[6], ARGV[7], 0, ARGV[8] == '1', ARGV[10])
if err then return err end
commit_gate(gate, tonumber(ARGV[9]))
return token_snapshot(key('token'), ARGV[8] == '1')
