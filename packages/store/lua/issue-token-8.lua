-- getToken: stores a new PENDING token and indexes it.
-- KEYS: token openTokens allTokens requesterTokens mValues audit auditHead outbox
-- ARGV[5] id   ARGV[6] token bytes   ARGV[7] service   ARGV[8] m   ARGV[9] requester key
-- ARGV[10] expiresAt ms   ARGV[11] canonical operation   ARGV[12] issuer
-- ARGV[13] callback URL or ''   ARGV[14] retention of finished tokens, ms
-- ARGV[15] command (for the audit entry)   ARGV[16] callback HMAC secret or ''
-- ARGV[17] requester's user id (the API key's owner for an API key)
-- ARGV[18] the services whose M the operation requires, space separated
-- ARGV[19] an AWS CloudHSM token's approval data (base64), or ''
-- ARGV[8] must be the M the operation requires now (the largest M of ARGV[18], at least 2
-- for an AWS CloudHSM token): the caller may work from M values it read earlier, and is
-- refused with RET_M_VALUE_CHANGED when one changed since.
-- Returns the token as read-token returns it.
local tkey = key('token')
if redis.call('EXISTS', tkey) == 1 then return fail('RET_BAD_REQUEST', 'Token id already in use') end
local m_now = math.max(required_now({ svc = ARGV[7], msvcs = ARGV[18] }), ARGV[19] ~= '' and 2 or 1)
if tonumber(ARGV[8]) ~= m_now then
  return fail('RET_M_VALUE_CHANGED', 'An M value changed while the token was issued: its operation now needs ' .. m_now .. ' approvals')
end
local id = ARGV[5]
redis.call('HSET', tkey, 'id', id, 'doc', ARGV[6], 'svc', ARGV[7], 'm', ARGV[8], 'req', ARGV[9], 'rqu', ARGV[17],
  'exp', ARGV[10], 'iat', NOW, 'op', ARGV[11], 'iss', ARGV[12], 'status', 'PENDING')
if ARGV[13] ~= '' then redis.call('HSET', tkey, 'cb', ARGV[13]) end
if ARGV[16] ~= '' then redis.call('HSET', tkey, 'cbs', ARGV[16]) end
redis.call('HSET', tkey, 'msvcs', ARGV[18])
if ARGV[19] ~= '' then redis.call('HSET', tkey, 'hsm', ARGV[19]) end
local horizon = NOW - tonumber(ARGV[14])
redis.call('ZADD', key('openTokens'), ARGV[10], id)
redis.call('ZADD', key('allTokens'), NOW, id)
redis.call('ZREMRANGEBYSCORE', key('allTokens'), '-inf', horizon)
redis.call('ZADD', key('requesterTokens'), NOW, id)
redis.call('ZREMRANGEBYSCORE', key('requesterTokens'), '-inf', horizon)
audit('token.issued', { id = id, service = ARGV[7], command = ARGV[15], m = tonumber(ARGV[8]) })
publish_status(id, 'PENDING')
return token_snapshot(tkey)
