-- The sweep at a break-glass token's end of its time lock: APPROVED when its break-glass
-- approvals carry it (see settle_break_glass); a token decided otherwise leaves the index.
-- KEYS: token breakGlassTokens openTokens approvedTokens audit auditHead outbox mValues
-- Reaches: approvedTokens breakGlassTokens events group officers openTokens service user webhook — the token's voters, its policy and groups, the requester's webhook
-- ARGV: requesterMayApprove
-- Returns: the status after.
local t = load_token(key('token'))
local id = token_id(key('token'))
if not t then
  redis.call('ZREM', KEY.breakGlassTokens(), id)
  return 'GONE'
end
settle_break_glass(key('token'), t, A.requesterMayApprove == '1')
if effective_status(t) ~= STATUS.PENDING then redis.call('ZREM', KEY.breakGlassTokens(), id) end
return t[TF.status]
