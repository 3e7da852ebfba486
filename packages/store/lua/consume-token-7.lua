-- consume, for external systems: marks an APPROVED token CONSUMED if the caller is its
-- requester and the operation is exactly the token's. At most once, ever.
-- KEYS: token mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: allTokens approvedTokens breakGlassTokens events group keyHolders officers openTokens service token user userKeys userVotes webhook — the token's voters (whether their votes count; their key history, user:<id>:keys), the requester's webhook; a break-glass token's review token (written beside it)
-- ARGV: requester operationDigest issuer requesterMayApprove retentionMs service reviewId reviewBytes reviewM reviewPolicy reviewExpiresAt verified
--   `reviewId` ... `reviewExpiresAt`: a break-glass token's review token (see issue_review), made by Node; '' for any other token
--   `requester` caller's requester key
--   `retentionMs` retention of finished tokens, ms
--   `service` the service the caller runs the operation for (a token of another is refused), or '': the token's own
-- Returns: the token as read-token returns it, after consumption.
local t = load_token(key('token'))
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
local service = A.service ~= '' and A.service or t[TF.service]
-- A break-glass token whose time lock is over is APPROVED now, even when the sweep is late.
settle_break_glass(key('token'), t, A.requesterMayApprove == '1')
local err, gate = check_gate(key('token'), A.requester, service, A.operationDigest, A.issuer, 0, A.requesterMayApprove == '1', A.verified)
if err then return err end
-- A custom service's token: its approvals assigned to the rules of the policy signed into it
-- and of the one in force now (both held), membership as of now.
if not carried(gate.token, gate.voters, gate.need, A.requesterMayApprove == '1') then
  return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: the approvals no longer satisfy every rule of the policy of ' .. t[TF.service])
end
-- And what the policy in force asks beyond its rules: the command allowed, a reason when required.
local refusal = policy_in_force_refusal(gate.token)
if refusal then return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: ' .. refusal) end
-- A break-glass token used on its break-glass approvals: its review token is issued in the same step.
if t[TF.breakGlassAt] and not carried_by_quorum(gate.token, gate.voters, gate.need, A.requesterMayApprove == '1') then
  if A.reviewId == '' then return fail('RET_TOKEN_NOT_APPROVED', 'A break-glass token is used with its review token; ask again') end
  local refused = issue_review(gate.token, gate.voters, { id = A.reviewId, bytes = A.reviewBytes, m = A.reviewM, policy = A.reviewPolicy, expiresAt = A.reviewExpiresAt })
  if refused then return refused end
end
local used = used_assignment_json(gate.token, gate.voters, A.requesterMayApprove == '1')
if used then redis.call('HSET', key('token'), TF.usedAssignment, used) end
commit_gate(gate, tonumber(A.retentionMs))
return token_snapshot(key('token'), A.requesterMayApprove == '1')
