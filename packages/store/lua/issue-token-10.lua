-- getToken: stores a new PENDING token and indexes it.
-- KEYS: token session openTokens allTokens requesterTokens mValues audit auditHead outbox issueCount
-- ARGV[5] id   ARGV[6] token bytes   ARGV[7] service   ARGV[8] m   ARGV[9] requester key
-- ARGV[10] expiresAt ms   ARGV[11] issuer
-- ARGV[12] callback URL or ''   ARGV[13] retention of finished tokens, ms
-- ARGV[14] command (for the audit entry)   ARGV[15] callback HMAC secret or ''
-- ARGV[16] requester's user id (the API key's owner for an API key)
-- ARGV[17] the services whose M the operation requires, space separated
-- ARGV[18] an AWS CloudHSM token's approval data (base64), or ''
-- ARGV[19] '1' when the requester asks with a session (checked here: the session of user ARGV[16])
-- ARGV[20] tokens a user may ask for per window (its API keys count for it)   ARGV[21] the window, ms
-- (issueCount counts the user's tokens in the current window; it starts at the first one)
-- ARGV[8] must be the M the operation requires now (the largest M of ARGV[17], at least 2
-- for an AWS CloudHSM token): the caller may work from M values it read earlier, and is
-- refused with RET_M_VALUE_CHANGED when one changed since.
-- The hash keeps only what the token bytes (`doc`) do not say, or what scripts compare often
-- (service, m, requester, expiry, issuer); the id is in the key, the operation in the bytes.
-- Returns the token as read-token returns it.
if ARGV[19] == '1' then
  local refused = session_refusal(ARGV[16])
  if refused then return refused end
end
local issued = tonumber(redis.call('GET', key('issueCount')) or '0')
if issued >= tonumber(ARGV[20]) then
  local wait = math.max(1, math.ceil(redis.call('PTTL', key('issueCount')) / 1000))
  return fail('RET_RATE_LIMITED', 'Too many token requests; retry in ' .. wait .. ' s')
end
local tkey = key('token')
if redis.call('EXISTS', tkey) == 1 then return fail('RET_BAD_REQUEST', 'Token id already in use') end
local m_now = math.max(required_now({ [TF.service] = ARGV[7], [TF.governingServices] = ARGV[17] }), ARGV[18] ~= '' and 2 or 1)
if tonumber(ARGV[8]) ~= m_now then
  return fail('RET_M_VALUE_CHANGED', 'An M value changed while the token was issued: its operation now needs ' .. m_now .. ' approvals')
end
local id = ARGV[5]
local by_api_key = string.sub(ARGV[9], 1, 7) == 'apikey:'
-- The hash as written, field by field; the answer is built from it (no second read).
local t = {
  [TF.doc] = ARGV[6], [TF.service] = ARGV[7], [TF.m] = ARGV[8], [TF.requester] = ARGV[9],
  [TF.expiresAt] = ARGV[10], [TF.issuer] = ARGV[11], [TF.status] = STATUS.PENDING,
}
-- A user requester's id is in `req`; an API key's owner is not.
if by_api_key then t[TF.requesterUser] = ARGV[16] end
if ARGV[12] ~= '' then t[TF.callbackUrl] = ARGV[12] end
if ARGV[15] ~= '' then t[TF.callbackSecret] = ARGV[15] end
if ARGV[17] ~= ARGV[7] then t[TF.governingServices] = ARGV[17] end
if ARGV[18] ~= '' then t[TF.hsmData] = ARGV[18] end
local fields = {}
for field, value in pairs(t) do
  fields[#fields + 1] = field
  fields[#fields + 1] = value
end
redis.call('HSET', tkey, unpack(fields))
t.id = id
local horizon = NOW - tonumber(ARGV[13])
redis.call('ZADD', key('openTokens'), ARGV[10], id)
redis.call('ZADD', key('allTokens'), NOW, id)
redis.call('ZREMRANGEBYSCORE', key('allTokens'), '-inf', horizon)
-- Officers list every token; only an API key lists its own (its index).
if by_api_key then
  redis.call('ZADD', key('requesterTokens'), NOW, id)
  redis.call('ZREMRANGEBYSCORE', key('requesterTokens'), '-inf', horizon)
end
if redis.call('INCR', key('issueCount')) == 1 then redis.call('PEXPIRE', key('issueCount'), ARGV[21]) end
audit('token.issued', { id = id, service = ARGV[7], command = ARGV[14], m = tonumber(ARGV[8]) })
publish_status(id, STATUS.PENDING)
-- (A new token has no votes: the self-approval setting changes nothing in it.)
return snapshot_of(t, {}, {}, m_now)
