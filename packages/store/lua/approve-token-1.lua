-- approveToken: records a CO's verified signature and moves the token to APPROVED when
-- M counting votes are present. The signature was verified against ARGV[6] before this
-- runs; the script checks that this is still the CO's key.
-- KEYS[1] token key
-- ARGV[5] user id   ARGV[6] fingerprint   ARGV[7] alg   ARGV[8] signature (base64)
-- ARGV[9] issuer   ARGV[10] '1' when the requester may approve   ARGV[11] caller's requester key
-- ARGV[12] approved timeout, ms
-- Returns {status after the vote, the token as read-token returns it}: the caller's answer needs no second read.
local uid = ARGV[5]
local t = load_token(KEYS[1])
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
if t.iss ~= ARGV[9] then return fail('RET_MXN_AUTH_FAILED', 'The quorum token was issued by another quorumd') end
local vote = ARGV[6] .. '|' .. ARGV[7] .. '|' .. NOW .. '|' .. ARGV[8]
local previous = t['v:' .. uid]
if previous then
  local fp, alg, _, sig = string.match(previous, '^(%x+)|(%w+)|(%d+)|(.*)$')
  if fp == ARGV[6] and alg == ARGV[7] and sig == ARGV[8] then return { t.status, token_snapshot(KEYS[1]) } end
  return fail('RET_ALREADY_APPROVED', 'This officer already approved this token')
end
if t['r:' .. uid] then return fail('RET_ALREADY_APPROVED', 'This officer already rejected this token') end
if t.status == 'EXPIRED' or (t.status == 'PENDING' and NOW >= tonumber(t.exp)) then
  return fail('RET_TOKEN_EXPIRED', 'The quorum token has expired')
end
if t.status ~= 'PENDING' then return fail('RET_TOKEN_NOT_PENDING', 'The quorum token is ' .. t.status) end
if ARGV[10] ~= '1' and t.req == ARGV[11] then
  return fail('RET_FORBIDDEN', 'The requester may not approve its own token')
end
if redis.call('HGET', user_key(uid), 'fp') ~= ARGV[6] then
  return fail('RET_SIGNATURE_INVALID', 'The quorum key changed while the approval was checked')
end
redis.call('HSET', KEYS[1], 'v:' .. uid, vote)
t['v:' .. uid] = vote
redis.call('SADD', user_key(uid) .. ':votes', t.id)
audit('token.approval', { id = t.id, userId = tonumber(uid), fingerprint = ARGV[6], alg = ARGV[7] })
local voters = counting_voters(t)
if #voters >= tonumber(t.m) then
  redis.call('HSET', KEYS[1], 'status', 'APPROVED', 'apAt', NOW, 'apUntil', NOW + tonumber(ARGV[12]))
  redis.call('ZREM', P .. 'tokens:open', t.id)
  audit('token.approved', { id = t.id, approvals = voters })
  publish_status(t.id, 'APPROVED')
  return { 'APPROVED', token_snapshot(KEYS[1]) }
end
return { 'PENDING', token_snapshot(KEYS[1]) }
