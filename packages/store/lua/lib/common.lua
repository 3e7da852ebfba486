-- Shared by every script. Every script receives, before its own arguments:
--   ARGV[1] key prefix, with its hash tag (e.g. "{quorumd}:")
--   ARGV[2] now, epoch milliseconds
--   ARGV[3] now, RFC 3339
--   ARGV[4] actor, JSON ({"kind":"user","id":1,"name":"admin"} or {"kind":"system"})
-- Checks come before writes: a script that refuses has changed nothing.
local P, NOW, NOW_ISO, ACTOR = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]

local function fail(code, message)
  return redis.error_reply(code .. ' ' .. message)
end

-- Appends one entry to the hash-chained audit log.
local function audit(kind, data)
  local head = redis.call('HMGET', P .. 'audit:head', 'seq', 'hash')
  local seq = tonumber(head[1] or '0') + 1
  local prev = head[2] or string.rep('0', 64)
  local body = '{"seq":' .. seq .. ',"at":' .. cjson.encode(NOW_ISO) .. ',"type":' .. cjson.encode(kind) ..
    ',"actor":' .. ACTOR .. ',"data":' .. cjson.encode(data) .. ',"prev":"' .. prev .. '"}'
  local hash = sha256_hex(body)
  redis.call('RPUSH', P .. 'audit', string.sub(body, 1, -2) .. ',"hash":"' .. hash .. '"}')
  redis.call('HSET', P .. 'audit:head', 'seq', seq, 'hash', hash)
end

local function hash_to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function load_token(tkey)
  local flat = redis.call('HGETALL', tkey)
  if #flat == 0 then return nil end
  return hash_to_table(flat)
end

local function user_key(uid)
  return P .. 'user:' .. uid
end

-- M of a quorum service (1 when never set: quorum off, as in CloudHSM).
local function m_value(service)
  return tonumber(redis.call('HGET', P .. 'mvalues', service) or '1')
end

-- Votes that count: the CO still exists and still holds the key that made the vote.
local function counting_voters(t)
  local voters = {}
  for field, value in pairs(t) do
    if string.sub(field, 1, 2) == 'v:' then
      local uid = string.sub(field, 3)
      local fp = string.sub(value, 1, 64)
      if redis.call('HGET', user_key(uid), 'fp') == fp then
        voters[#voters + 1] = tonumber(uid)
      end
    end
  end
  table.sort(voters)
  return voters
end

-- Every status change wakes waiters on all replicas (pub/sub) and is written to the
-- outbox stream in the same atomic step, from which the worker enqueues notifications:
-- a crash between the change and the enqueue loses nothing.
-- A token as readers get it: its flat hash, and each voter's current key fingerprint.
local function token_snapshot(tkey)
  local flat = redis.call('HGETALL', tkey)
  local fps = {}
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 2) == 'v:' then
      local uid = string.sub(flat[i], 3)
      fps[#fps + 1] = uid
      fps[#fps + 1] = redis.call('HGET', user_key(uid), 'fp') or ''
    end
  end
  return { flat, fps }
end

local function publish_status(id, status)
  redis.call('PUBLISH', P .. 'events', id .. ' ' .. status)
  redis.call('XADD', P .. 'outbox', '*', 'id', id, 'status', status)
end

-- Moves a token to a terminal state and drops it from every live index.
local function finish_token(tkey, t, status, retention_ms)
  redis.call('HSET', tkey, 'status', status, 'endAt', NOW)
  redis.call('ZREM', P .. 'tokens:open', t.id)
  for field in pairs(t) do
    if string.sub(field, 1, 2) == 'v:' then
      redis.call('SREM', user_key(string.sub(field, 3)) .. ':votes', t.id)
    end
  end
  if retention_ms and retention_ms > 0 then
    redis.call('PEXPIRE', tkey, retention_ms)
  end
  publish_status(t.id, status)
end

-- After a CO's key changed or the CO was deleted: every APPROVED token that its votes
-- carried and that is now below M goes back to PENDING (SPEC 3).
local function reopen_tokens_voted_by(uid)
  local vkey = user_key(uid) .. ':votes'
  for _, id in ipairs(redis.call('SMEMBERS', vkey)) do
    local tkey = P .. 'token:' .. id
    local t = load_token(tkey)
    if t and t.status == 'APPROVED' and #counting_voters(t) < tonumber(t.m) then
      redis.call('HSET', tkey, 'status', 'PENDING')
      redis.call('HDEL', tkey, 'apAt', 'apUntil')
      redis.call('ZADD', P .. 'tokens:open', t.exp, id)
      audit('token.reopened', { id = id, reason = 'approvals stopped counting', userId = tonumber(uid) })
      publish_status(id, 'PENDING')
    end
  end
end

-- The quorum gate of a protected command (SPEC 4). With no token, it passes only when
-- the command needs no quorum (required_m == 1). With a token, the token must be this
-- deployment's, the caller's, for this service and exactly this operation, APPROVED,
-- unexpired and still carried by M counting votes. Returns (nil, gate) when it passes,
-- or (error) when it refuses; commit_gate() consumes the token. "No token" is the token
-- key with an empty id (P .. 'token:'), so that the key stays in the deployment's slot.
local function check_gate(tkey, requester, service, op, issuer, required_m)
  local function refuse(detail)
    return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: ' .. detail)
  end
  if tkey == P .. 'token:' then
    if required_m <= 1 then return nil, { token = nil } end
    return refuse('0 of ' .. required_m .. ' approvals')
  end
  local t = load_token(tkey)
  if not t then return refuse('the quorum token does not exist') end
  if t.iss ~= issuer then return refuse('the quorum token was issued by another quorumd') end
  if t.req ~= requester then return refuse('the quorum token belongs to another requester') end
  if t.svc ~= service then return refuse('the quorum token is for service ' .. t.svc) end
  if t.op ~= op then return refuse('the quorum token is for another operation') end
  local voters = counting_voters(t)
  local m = tonumber(t.m)
  if t.status == 'PENDING' then
    if NOW >= tonumber(t.exp) then return refuse('the quorum token has expired') end
    return refuse(#voters .. ' of ' .. m .. ' approvals')
  end
  if t.status ~= 'APPROVED' then return refuse('the quorum token is ' .. t.status) end
  if NOW >= tonumber(t.apUntil) then return refuse('the quorum token has expired') end
  if #voters < m then return refuse(#voters .. ' of ' .. m .. ' approvals') end
  return nil, { token = t, tkey = tkey, voters = voters }
end

local function commit_gate(gate, retention_ms)
  if not gate.token then return end
  redis.call('HSET', gate.tkey, 'used', cjson.encode(gate.voters))
  finish_token(gate.tkey, gate.token, 'CONSUMED', retention_ms)
  audit('token.consumed', { id = gate.token.id, approvals = gate.voters })
end
