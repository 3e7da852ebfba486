-- delToken: by its requester or a CO, while PENDING or APPROVED and unexpired.
-- KEYS: token openTokens approvedTokens audit auditHead outbox
-- Reaches: events userVotes webhook — the votes sets of the token's voters (it leaves them), the requester's webhook (whether it hears of the ending)
-- ARGV: callerKey callerIsOfficer issuer retentionMs
--   `callerKey` caller's requester key   `callerIsOfficer` '1' when the caller is a CO
--   `retentionMs` retention of finished tokens, ms
-- Returns: DELETED
local t = load_token(key('token'))
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
if t[TF.issuer] ~= A.issuer then return fail('RET_MXN_AUTH_FAILED', 'The quorum token was issued by another quorumd') end
if A.callerIsOfficer ~= '1' and t[TF.requester] ~= A.callerKey then
  return fail('RET_FORBIDDEN', 'Only the requester or a crypto officer may delete this token')
end
if t[TF.reviewOf] then return fail('RET_FORBIDDEN', 'A break-glass review is approved or rejected, never deleted') end
local status = effective_status(t)
if status == STATUS.EXPIRED then return fail('RET_TOKEN_EXPIRED', 'The quorum token has expired') end
if status ~= STATUS.PENDING and status ~= STATUS.APPROVED then
  return fail('RET_TOKEN_NOT_PENDING', 'The quorum token is ' .. status)
end
finish_token(key('token'), t, STATUS.DELETED, tonumber(A.retentionMs))
audit('token.deleted', { id = t.id })
return STATUS.DELETED
