-- approveToken: records a CO's verified signature and moves the token to APPROVED when
-- it carries counting votes from as many distinct keys as it needs now. The signature
-- was verified against `fingerprint` before this runs; the script checks that this is still
-- the CO's key, and records the key registration it belongs to.
-- KEYS: token user session userVotes keyOwners mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: breakGlassTokens events group keyHolders officers service user userKeys userVotes webhook userPasskeys userPasskeyCounters — the officer's passkeys and their counters; the policies of the custom services that govern the token and their groups' members; the hashes of the token's other voters (whether their votes count), the requester's webhook; the break-glass index (a token settled at its lock's end)
-- ARGV: userId fingerprint alg signature issuer requesterMayApprove approvedTimeoutMs passkeyId passkeyCounter passkeyProof
--   `signature` signature (raw bytes)
--   `requesterMayApprove` '1' when the requester may approve   `approvedTimeoutMs` approved timeout, ms
--   `passkeyId` the officer's passkey whose assertion was verified ('' for none)   `passkeyCounter` the assertion's counter   `passkeyProof` the assertion (JSON)
-- Returns: {status after the vote, the token as read-token returns it}: the caller's answer needs no second read.
local uid = A.userId
local may = A.requesterMayApprove == '1'
-- The approver: type and session generation (its session's check), key and its registration.
local held = redis.call('HMGET', key('user'), 'type', 'sgen', 'fp', 'kgen')
-- The caller's session, checked in the same step as the vote.
local refused = session_refusal(uid, held)
if refused then return refused end
local tkey = key('token')
local t = load_token(tkey)
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
if t[TF.issuer] ~= A.issuer then return fail('RET_MXN_AUTH_FAILED', 'The quorum token was issued by another quorumd') end
-- APPROVED once the counting votes reach the bar; a new vote short of it still wakes listeners.
-- The answer is the token as this script leaves it (`t` follows its writes): no second read.
local function approve_if_carried(new_vote)
  local voters, keys = counting_votes(t, may)
  local need = required(t)
  if not carried(t, voters, need, may) then
    if new_vote then publish_vote(t.id) end
    return { STATUS.PENDING, snapshot_of(t, voters, keys, need, may) }
  end
  -- (A custom service's policy may set its own approved timeout, fixed at issue.)
  local until_ms = tostring(NOW + tonumber(t[TF.approvedTimeout] or A.approvedTimeoutMs))
  redis.call('HSET', tkey, TF.status, STATUS.APPROVED, TF.approvedAt, ARGV[2], TF.approvedUntil, until_ms)
  t[TF.status], t[TF.approvedAt], t[TF.approvedUntil] = STATUS.APPROVED, ARGV[2], until_ms
  redis.call('ZREM', key('openTokens'), t.id)
  redis.call('ZADD', key('approvedTokens'), until_ms, t.id)
  audit('token.approved', { id = t.id, approvals = voters, required = need })
  note_break_glass_approval(tkey, t, voters, need, may)
  if t[TF.reviewOf] then
    review_approved(tkey, t, voters, keys, need)
    return { STATUS.CONSUMED, snapshot_of(t, voters, keys, need, may) }
  end
  publish_status(t.id, STATUS.APPROVED, t)
  return { STATUS.APPROVED, snapshot_of(t, voters, keys, need, may) }
end
local previous = t[VOTE .. uid]
if previous then
  local alg, _, _, from = parse_vote(previous)
  if alg == A.alg and from and string.sub(previous, from) == A.signature and vote_key(uid, previous) == A.fingerprint then
    -- The same approval again changes nothing, unless the bar came back down to the
    -- votes the token holds (an M raised, then lowered): then it is approved now.
    if effective_status(t) == STATUS.PENDING then return approve_if_carried(false) end
    return { t[TF.status], token_snapshot(tkey, may) }
  end
  return fail('RET_ALREADY_APPROVED', 'This officer already approved this token')
end
if t[REJECTION .. uid] then return fail('RET_ALREADY_APPROVED', 'This officer already rejected this token') end
local status = effective_status(t)
if status == STATUS.EXPIRED then return fail('RET_TOKEN_EXPIRED', 'The quorum token has expired') end
if status ~= STATUS.PENDING then return fail('RET_TOKEN_NOT_PENDING', 'The quorum token is ' .. status) end
if not may_approve(t, uid, may) then
  return fail('RET_FORBIDDEN', 'The requester (or the owner of the API key that asked) may not approve its own token')
end
-- A custom service's token: only an officer who can fill a rule's place approves it.
if not may_help(t, uid, may) then
  return fail('RET_FORBIDDEN', 'This officer is in no group the policy of ' .. t[TF.service] .. ' counts (or is the requester it excludes)')
end
-- A service whose policy in force requires passkeys: no approval without an assertion.
if A.passkeyId == '' and passkey_required_now(t) then
  return fail('RET_PASSKEY_REQUIRED', 'Approving a token of ' .. t[TF.service] .. ' needs a passkey assertion over its bytes (GET /v1/tokens/{id}/passkey-options): approve it in the console')
end
if held[3] ~= A.fingerprint then
  return fail('RET_SIGNATURE_INVALID', 'The quorum key changed while the approval was checked')
end
if key_of_another(A.fingerprint, uid) then
  return fail('RET_KEY_IN_USE', 'This quorum key is registered to another user')
end
-- A passkey assertion (verified before this runs): the passkey is still the officer's, and its
-- counter moves on in the same step as the vote, so that of two racing assertions one passes.
if A.passkeyId ~= '' then
  if redis.call('HEXISTS', KEY.userPasskeys(uid), A.passkeyId) == 0 then
    return fail('RET_PASSKEY_INVALID', 'The passkey was deleted while the approval was checked')
  end
  local stored = tonumber(redis.call('HGET', KEY.userPasskeyCounters(uid), A.passkeyId) or '0')
  local counter = tonumber(A.passkeyCounter)
  if (counter > 0 or stored > 0) and counter <= stored then
    return fail('RET_PASSKEY_INVALID', 'The passkey signature counter did not move forward (' .. counter .. ' after ' .. stored .. '): a replayed or cloned authenticator')
  end
  redis.call('HSET', KEY.userPasskeyCounters(uid), A.passkeyId, A.passkeyCounter)
  redis.call('HSET', tkey, PASSKEY_PROOF .. uid, A.passkeyProof)
  t[PASSKEY_PROOF .. uid] = A.passkeyProof
elseif t[PASSKEY_PROOF .. uid] then
  redis.call('HDEL', tkey, PASSKEY_PROOF .. uid)
  t[PASSKEY_PROOF .. uid] = nil
end
local vote = vote_text(A.alg, held[4] or '0', A.signature)
redis.call('HSET', tkey, VOTE .. uid, vote)
t[VOTE .. uid] = vote
redis.call('SADD', key('userVotes'), t.id)
-- The approving officer is the entry's actor; the algorithm is named when it is not RS256.
audit('token.approval', A.alg == 'RS256' and { id = t.id } or { id = t.id, alg = A.alg })
return approve_if_carried(true)
