-- getToken: stores a new PENDING token and indexes it.
-- KEYS: token session openTokens allTokens requesterTokens mValues audit auditHead outbox issueCount
-- Reaches: breakGlassTokens events group groups officers outbox service user userKeys webhook — the requester's hash (its session's check), the requester's webhook (whether it hears of the change), the events channel; the version of the group or service a setGroup, setPolicy or deleteService changes; the break-glass index and the outbox (a break-glass token's announcement)
-- ARGV: id bytes service m requesterKey expiresAt issuer callbackUrl retentionMs command callbackSecret requesterUserId governingServices hsmData withSession issueLimit issueWindowMs policy policyVersion approvedTimeoutMs breakGlassAt
--   `breakGlassAt` a break-glass token's end of its time lock (epoch ms), or '': its requester must be in the policy's break-glass group
--   `policy` a custom service's policy as signed into the bytes (canonical JSON), or ''; `policyVersion` its version, or ''
--   `approvedTimeoutMs` a custom service's policy's approved timeout, ms, or ''
--   `bytes` token bytes
--   `expiresAt` expiresAt ms
--   `callbackUrl` callback URL or ''   `retentionMs` retention of finished tokens, ms
--   `command` command (for the audit entry)   `callbackSecret` callback HMAC secret or ''
--   `requesterUserId` requester's user id (the API key's owner for an API key)
--   `governingServices` the services whose M the operation requires, space separated
--   `hsmData` an AWS CloudHSM token's approval data (base64), or ''
--   `withSession` '1' when the requester asks with a session (checked here: the session of user `requesterUserId`)
--   `issueLimit` tokens a user may ask for per window (its API keys count for it)   `issueWindowMs` the window, ms
-- (issueCount counts the user's tokens in the current window; it starts at the first one)
--   `m` must be the M the operation requires now (the largest M of `governingServices`, at least 2
-- for an AWS CloudHSM token): the caller may work from M values it read earlier, and is
-- refused with RET_M_VALUE_CHANGED when one changed since.
-- The hash keeps only what the token bytes (`doc`) do not say, or what scripts compare often
-- (service, m, requester, expiry, issuer); the id is in the key, the operation in the bytes.
-- Returns: the token as read-token returns it.
if A.withSession == '1' then
  local refused = session_refusal(A.requesterUserId)
  if refused then return refused end
end
local issued = tonumber(redis.call('GET', key('issueCount')) or '0')
if issued >= tonumber(A.issueLimit) then
  local wait = math.max(1, math.ceil(redis.call('PTTL', key('issueCount')) / 1000))
  return fail('RET_RATE_LIMITED', 'Too many token requests; retry in ' .. wait .. ' s')
end
local tkey = key('token')
if redis.call('EXISTS', tkey) == 1 then return fail('RET_BAD_REQUEST', 'Token id already in use') end
local m_now = math.max(required_now({ [TF.service] = A.service, [TF.governingServices] = A.governingServices }), A.hsmData ~= '' and 2 or 1)
if tonumber(A.m) ~= m_now then
  return fail('RET_M_VALUE_CHANGED', 'An M value changed while the token was issued: its operation now needs ' .. m_now .. ' approvals')
end
-- A custom service's token is signed with the policy in force: refused as an M change when it moved on.
-- (Its text as well as its version: a service deleted and made again starts at version 1 again.)
if A.policy ~= '' then
  local current = redis.call('HMGET', KEY.service(A.service), SVF.version, SVF.policy)
  if current[1] ~= A.policyVersion or current[2] ~= A.policy then
    return fail('RET_M_VALUE_CHANGED', 'The policy of ' .. A.service .. ' changed while the token was issued')
  end
end
-- A change of a group or a service's policy: what it replaces, as the approvers see it now.
local base = nil
if A.command == 'setGroup' or A.command == 'setPolicy' or A.command == 'deleteService' then
  local readable, doc = pcall(cjson.decode, A.bytes)
  local args = readable and type(doc) == 'table' and type(doc.operation) == 'table' and doc.operation.args
  if type(args) == 'table' and A.command == 'setGroup' and type(args.group) == 'string' then base = group_change_base(args.group) end
  if type(args) == 'table' and A.command ~= 'setGroup' and type(args.service) == 'string' then base = service_change_base(args.service) end
end
-- A break-glass token: asked for by a member of the break-glass group (an API key: its owner).
local break_glass = A.breakGlassAt ~= '' and cjson.decode(A.policy).breakGlass or nil
if A.breakGlassAt ~= '' then
  if not break_glass then return fail('RET_BREAK_GLASS_NOT_ALLOWED', 'The policy of ' .. A.service .. ' has no break-glass path') end
  if not is_member(A.requesterUserId, break_glass.group) then
    return fail('RET_FORBIDDEN', 'Only a member of group ' .. break_glass.group .. ' may ask for a break-glass token of ' .. A.service)
  end
end
local id = A.id
local by_api_key = string.sub(A.requesterKey, 1, 7) == 'apikey:'
-- The hash as written, field by field; the answer is built from it (no second read).
local t = {
  [TF.doc] = A.bytes, [TF.service] = A.service, [TF.m] = A.m, [TF.requester] = A.requesterKey,
  [TF.expiresAt] = A.expiresAt, [TF.issuer] = A.issuer, [TF.status] = STATUS.PENDING,
}
-- A user requester's id is in `req`; an API key's owner is not.
if by_api_key then t[TF.requesterUser] = A.requesterUserId end
if A.callbackUrl ~= '' then t[TF.callbackUrl] = A.callbackUrl end
if A.callbackSecret ~= '' then t[TF.callbackSecret] = A.callbackSecret end
if A.governingServices ~= A.service then t[TF.governingServices] = A.governingServices end
if A.hsmData ~= '' then t[TF.hsmData] = A.hsmData end
if A.policy ~= '' then t[TF.policy] = A.policy end
if A.approvedTimeoutMs ~= '' then t[TF.approvedTimeout] = A.approvedTimeoutMs end
if base then t[TF.changeBase] = base end
if break_glass then t[TF.breakGlassAt] = A.breakGlassAt end
local fields = {}
for field, value in pairs(t) do
  fields[#fields + 1] = field
  fields[#fields + 1] = value
end
redis.call('HSET', tkey, unpack(fields))
t.id = id
local horizon = NOW - tonumber(A.retentionMs)
redis.call('ZADD', key('openTokens'), A.expiresAt, id)
redis.call('ZADD', key('allTokens'), NOW, id)
redis.call('ZREMRANGEBYSCORE', key('allTokens'), '-inf', horizon)
-- Officers list every token; only an API key lists its own (its index).
if by_api_key then
  redis.call('ZADD', key('requesterTokens'), NOW, id)
  redis.call('ZREMRANGEBYSCORE', key('requesterTokens'), '-inf', horizon)
end
if redis.call('INCR', key('issueCount')) == 1 then redis.call('PEXPIRE', key('issueCount'), A.issueWindowMs) end
audit('token.issued', { id = id, service = A.service, command = A.command, m = tonumber(A.m) })
publish_status(id, STATUS.PENDING)
if break_glass then
  -- Told at once to every officer of the service's rules, in the same step as the issue.
  redis.call('ZADD', KEY.breakGlassTokens(), A.breakGlassAt, id)
  local doc = cjson.decode(A.bytes)
  local requester = A.requesterKey
  local officers = announce(id, 'breakglass.requested', cjson.decode(A.policy), { service = A.service, command = A.command, operation = doc.operation,
    requester = requester, reason = doc.reason or '', delayEndsAt = tonumber(A.breakGlassAt) })
  audit('token.breakglass.requested', { id = id, service = A.service, command = A.command, reason = doc.reason or '', delayEndsAt = tonumber(A.breakGlassAt), told = officers })
end
-- (A new token has no votes: the self-approval setting changes nothing in it.)
return snapshot_of(t, {}, {}, m_now, true)
