-- Records a CO's rejection; the token becomes REJECTED once the COs who could still
-- approve are fewer than the approvals it needs.
-- KEYS: token session keyHolders mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: approvedTokens breakGlassTokens events group keyHolders officers openTokens outbox service user userKeys userVotes webhook — the token's voters and the key holders' hashes (locks), the requester's webhook (whether it hears of the ending)
-- ARGV: userId reason issuer requesterMayApprove retentionMs
--   `requesterMayApprove` '1' when the requester may approve
--   `retentionMs` retention of finished tokens, ms
-- Returns: the token as read-token returns it, after the vote.
local uid = A.userId
local may = A.requesterMayApprove == '1'
-- The caller's session, checked in the same step as the rejection.
local refused = session_refusal(uid)
if refused then return refused end
local tkey = key('token')
local t = load_token(tkey)
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
if t[TF.issuer] ~= A.issuer then return fail('RET_MXN_AUTH_FAILED', 'The quorum token was issued by another quorumd') end
if t[REJECTION .. uid] then return token_snapshot(tkey, may) end
if t[VOTE .. uid] then return fail('RET_ALREADY_APPROVED', 'This officer already approved this token') end
-- A break-glass token whose time lock is over is APPROVED first: a veto comes during the lock.
settle_break_glass(tkey, t, may)
local status = effective_status(t)
if status == STATUS.EXPIRED then return fail('RET_TOKEN_EXPIRED', 'The quorum token has expired') end
if status ~= STATUS.PENDING then return fail('RET_TOKEN_NOT_PENDING', 'The quorum token is ' .. status) end
-- A break-glass review: the reviewed token's requester and approvers do not decide on it.
if t[TF.reviewOf] and not may_approve(t, uid, may) then
  return fail('RET_FORBIDDEN', 'The requester and approvers of a break-glass token do not decide on its review')
end
-- A custom service's token: only an officer its policies count, or a veto group's member, decides on it.
if not may_help(t, uid, may) and not vetoes(t, uid) then
  return fail('RET_FORBIDDEN', 'This officer is in no group the policy of ' .. t[TF.service] .. ' counts')
end
local value = NOW .. '|' .. A.reason
redis.call('HSET', tkey, REJECTION .. uid, value)
t[REJECTION .. uid] = value
audit('token.rejection', { id = t.id, userId = tonumber(uid), reason = A.reason })
-- Who could still bring the token to its bar: key holders who have not rejected, whose
-- vote (if any) still counts, and not the requester when it may not approve.
local counting = {}
for _, v in ipairs(counting_voters(t, may)) do counting[tostring(v)] = true end
local possible, candidates = 0, {}
for _, holder in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
  local excluded = t[REJECTION .. holder] or (t[VOTE .. holder] and not counting[holder])
    or not may_approve(t, holder, may) or lock_state(holder) == 'forever'
  if not excluded then
    possible = possible + 1
    candidates[#candidates + 1] = tonumber(holder)
  end
end
table.sort(candidates)
-- A custom service's token: a veto group member's rejection ends it at once; otherwise it
-- ends when those candidates could no longer be assigned to its policies' rules.
local veto = vetoes(t, uid)
if veto or not carried(t, candidates, required(t), may) then
  finish_token(tkey, t, STATUS.REJECTED, tonumber(A.retentionMs))
  audit('token.rejected', veto and { id = t.id, possibleApprovals = possible, vetoedBy = tonumber(uid) } or { id = t.id, possibleApprovals = possible })
  if t[TF.reviewOf] then review_failed(t, 'rejected') end
  if veto and t[TF.breakGlassAt] then
    redis.call('ZREM', KEY.breakGlassTokens(), t.id)
    audit('token.breakglass.vetoed', { id = t.id, service = t[TF.service], vetoedBy = tonumber(uid), reason = A.reason })
  end
else
  publish_vote(t.id)
end
return token_snapshot(tkey, may)
