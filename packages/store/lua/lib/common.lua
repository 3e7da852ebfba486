-- Shared by every script. Every script receives, before its own arguments:
--   ARGV[1] key prefix, with its hash tag (e.g. "{quorumd}:")
--   ARGV[2] now, epoch milliseconds
--   ARGV[3] now, RFC 3339
--   ARGV[4] actor, a JSON string ("user:1", "apikey:<id>" or "system")
-- Checks come before writes: a script that refuses has changed nothing.
--
-- Keys: a script declares every key it is handed on its `-- KEYS:` line, by name; the
-- store builds them (packages/store/src/keys.ts) and binds them to K before this file, and
-- the script reads them with key('name'), which fails loudly for an undeclared one. Keys
-- a script can only find from what it reads (the tokens listed in an index, the voters of
-- a token, the user a session or a name points to) are built by user_key() and token_key()
-- below, and each script says which on its `-- Reaches:` line. All share the hash tag.
--
-- The token rules live here, once: the status a token has now (effective_status: a
-- passed expiry reads EXPIRED), whether a vote counts (vote_key), how many approvals a
-- token needs now (required), who its requester is and who may approve it
-- (requester_uid, may_approve), and how many officers could approve (eligible_approvers).
-- TypeScript reads their answers; it never recomputes them.
local P, NOW, NOW_ISO, ACTOR = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]

local function fail(code, message)
  return redis.error_reply(code .. ' ' .. message)
end

-- A key the script declared on its KEYS line.
local function key(name)
  local k = K[name]
  if not k then error('quorumd: this script does not declare the key ' .. name) end
  return k
end

-- Appends one entry to the audit log with the next sequence number, in the same atomic
-- step as the change it records. The chain's hashes are computed outside the scripts, by
-- the sealer, strictly in sequence order (no hashing here: Redis's time is every
-- replica's).
local function audit(kind, data)
  local seq = redis.call('HINCRBY', key('auditHead'), 'seq', 1)
  redis.call('RPUSH', key('audit'), '{"seq":' .. seq .. ',"at":' .. cjson.encode(NOW_ISO) .. ',"type":' .. cjson.encode(kind) ..
    ',"actor":' .. ACTOR .. ',"data":' .. cjson.encode(data) .. '}')
end

local function hash_to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

-- A token's id: it is in its key (`<prefix>token:<id>`), not in its hash.
local function token_id(tkey)
  return string.sub(tkey, #P + 7)
end

-- A token's hash as a table, with its id; and the hash as read (HGETALL's flat list).
local function load_token(tkey)
  local flat = redis.call('HGETALL', tkey)
  if #flat == 0 then return nil end
  local t = hash_to_table(flat)
  t.id = token_id(tkey)
  return t, flat
end

-- A user's hash, for a user found through an index, a token's votes or a session.
local function user_key(uid)
  return P .. 'user:' .. uid
end

-- The caller's session (the script's `session` key), checked in the same step as the change
-- it asks for: unexpired, of user `uid`, that user still a crypto officer (a deleted user has
-- no hash: its session's generation 0 would otherwise match the missing one), and of the
-- user's current session generation (a logout, password change or lock ends it). Answers the
-- refusal, or nil.
-- `user`: the user's type and sgen when the script has read them already (HMGET order).
local function session_refusal(uid, user)
  local s = redis.call('HMGET', key('session'), 'uid', 'exp', 'gen')
  local u = user or redis.call('HMGET', user_key(uid), 'type', 'sgen')
  if s[1] ~= uid or NOW >= tonumber(s[2] or '0') or u[1] ~= 'CO' or (s[3] or '0') ~= (u[2] or '0') then
    return fail('RET_UNAUTHORIZED', 'Unknown or expired session')
  end
  return nil
end

-- A token's hash, for a token found through an index (open, approved, a CO's votes).
local function token_key(id)
  return P .. 'token:' .. id
end

-- M of a quorum service (1 when never set: quorum off, as in CloudHSM). Read once per
-- script run (a list of many tokens asks for the same few); set_m_value keeps it current.
local m_values = {}
local function m_value(service)
  local m = m_values[service]
  if m == nil then
    m = tonumber(redis.call('HGET', key('mValues'), service) or '1')
    m_values[service] = m
  end
  return m
end

local function set_m_value(service, m)
  redis.call('HSET', key('mValues'), service, m)
  m_values[service] = tonumber(m)
end

-- The status a token has now: a PENDING token past expiresAt, or an APPROVED one past its
-- approved timeout, is EXPIRED even before the expiry job has written it.
local function effective_status(t)
  if t.status == 'PENDING' and NOW >= tonumber(t.exp) then return 'EXPIRED' end
  if t.status == 'APPROVED' and t.apUntil and NOW >= tonumber(t.apUntil) then return 'EXPIRED' end
  return t.status
end

-- The largest M of all services: what hands out approving power needs (see
-- governingServices in core, which decides which operations do, at issue).
local function max_m_all()
  return math.max(m_value('USER_MGMT'), m_value('QUORUM_MGMT'))
end

-- The M a token's operation requires now: the largest M of the services that govern it,
-- as fixed at issue (its own; setMValue's target; every service for a new CO, another
-- CO's password, anything forced).
local function required_now(t)
  local need = m_value(t.svc)
  for service in string.gmatch(t.msvcs or '', '%S+') do need = math.max(need, m_value(service)) end
  return need
end

-- Approvals a token needs to be approved or used: its own m (fixed at issue), or more
-- when its operation requires more now. Raising M raises every open token's bar at once.
local function required(t)
  return math.max(tonumber(t.m), required_now(t))
end

-- The user id whose rules a token's requester follows: the user itself, or the owner of
-- the API key that asked (an API key acts for its owner).
local function requester_uid(t)
  if t.rqu and t.rqu ~= '' then return t.rqu end
  return string.match(t.req or '', '^user:(%d+)$')
end

-- Whether user `uid` may approve token `t` given the deployment's self-approval setting.
local function may_approve(t, uid, requester_may_approve)
  return requester_may_approve or requester_uid(t) ~= tostring(uid)
end

-- Whether a token hash field is a vote (`v:<user id>`): compared byte by byte, since every
-- read walks every field of every token it answers and a substring is a new string each time.
local function is_vote_field(field)
  local a, b = string.byte(field, 1, 2)
  return a == 118 and b == 58
end

-- A stored vote: alg|at ms|key registration generation|signature (raw bytes); the alg is
-- left out when it is RS256 (most votes: 5 bytes a vote less). The key is the one of that
-- registration of the voter (a registration is never reused). Answers alg, at, kgen and
-- where the signature starts (string.sub(value, from)): most readers never need the
-- signature, and copying its bytes out of every vote is a large part of a script's time.
local function parse_vote(value)
  local alg, at, kgen, from = string.match(value, '^(%w*)|(%d+)|(%d+)|()')
  if alg == '' then alg = 'RS256' end
  return alg, at, kgen, from
end

local function vote_text(alg, kgen, signature)
  return (alg == 'RS256' and '' or alg) .. '|' .. NOW .. '|' .. kgen .. '|' .. signature
end

-- The fingerprint a vote counts with, or nil: a vote counts while its CO exists and still
-- holds the very key registration that made it (the same key registered again later is
-- a new registration).
local function vote_key(uid, value)
  local _, _, kgen = parse_vote(value)
  if not kgen then return nil end
  local current = redis.call('HMGET', user_key(uid), 'fp', 'kgen')
  if current[1] and (current[2] or '0') == kgen then return current[1] end
  return nil
end

-- The votes that count, one per distinct key: the voters' ids (sorted), and each counting
-- voter's key by user id. When requesters may not approve, the requester's own vote (cast
-- while they could) does not count. `verified` (the gate's): only the votes whose exact
-- record and key registration Node verified count (see check_gate).
local function counting_votes(t, requester_may_approve, verified)
  local voters, keys, by_voter = {}, {}, {}
  for field, value in pairs(t) do
    if is_vote_field(field) then
      local uid = string.sub(field, 3)
      if may_approve(t, uid, requester_may_approve) then
        local fp = vote_key(uid, value)
        if fp and verified and verified[uid] ~= redis.sha1hex(value) .. ':' .. fp then fp = nil end
        if fp and not keys[fp] then
          keys[fp] = true
          by_voter[uid] = fp
          voters[#voters + 1] = tonumber(uid)
        end
      end
    end
  end
  table.sort(voters)
  return voters, by_voter
end

-- Ids of the voters whose votes count, one per distinct key.
local function counting_voters(t, requester_may_approve)
  local voters = counting_votes(t, requester_may_approve)
  return voters
end

-- Whether a public key is registered to another user than `uid` (one key, one user).
local function key_of_another(fp, uid)
  local owner = redis.call('HGET', key('keyOwners'), fp)
  return owner ~= false and owner ~= nil and owner ~= uid
end

-- Whether a user is locked after failed logins (a lock with an end lifts by itself).
local function lock_state(uid)
  local until_ms = redis.call('HGET', user_key(uid), 'lockedUntil')
  if not until_ms then return 'none' end
  if until_ms == 'forever' then return 'forever' end
  if NOW < tonumber(until_ms) then return 'until' end
  return 'none'
end

-- How many officers could approve a future token: key holders not locked for good, less
-- one when requesters may not approve (whoever asks is then one approver fewer).
-- `without` leaves one user out (the CO about to be deleted).
local function eligible_approvers(requester_may_approve, without)
  local n = 0
  for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
    if uid ~= without and lock_state(uid) ~= 'forever' then n = n + 1 end
  end
  if not requester_may_approve then n = n - 1 end
  if n < 0 then n = 0 end
  return n
end

-- Refuses an M that the eligible officers could never reach (a lock-out), unless forced.
local function check_reachable(service, m, eligible, force)
  if m > 1 and m > eligible and not force then
    return fail('RET_M_EXCEEDS_APPROVERS', 'M = ' .. m .. ' for ' .. service .. ' is above the ' .. eligible ..
      ' officer(s) who could approve its tokens; put force in the operation to do it anyway')
  end
  return nil
end

-- A field's value as readers get it (`keys`: what counting_votes answered for `t`).
local function reader_value(t, field, value, keys)
  if is_vote_field(field) then
    local alg, at = parse_vote(value)
    return (alg or '') .. '|' .. (at or '0') .. '|' .. (keys[string.sub(field, 3)] or '')
  end
  if field == 'used' and string.sub(value, 1, 1) ~= '[' then
    -- The votes that carried a used token, as readers get them: [[user id, fingerprint], ...].
    local used = {}
    for uid in string.gmatch(value, '%d+') do
      local _, _, kgen = parse_vote(t['v:' .. uid] or '')
      used[#used + 1] = { tonumber(uid), kgen and redis.call('HGET', user_key(uid) .. ':keys', kgen) or '' }
    end
    return cjson.encode(used)
  end
  return value
end

-- A token as readers get it: its flat hash — each vote as `alg|at|fingerprint` (the key
-- it counts with, '' when it does not count; signatures stay in Redis, bundles read them)
-- — the ids of the votes that count, the approvals it needs now (a used token: the number
-- the gate checked when it was used), and its status now.
-- `t` is the token as the script holds it (load_token, with the script's own writes), and
-- `voters`, `keys`, `need` what counting_votes and required answered for it.
local function snapshot_of(t, voters, keys, need)
  local flat = {}
  for field, value in pairs(t) do
    if field ~= 'id' then
      flat[#flat + 1] = field
      flat[#flat + 1] = reader_value(t, field, value, keys)
    end
  end
  return { flat, voters, t.need and tonumber(t.need) or need, effective_status(t) }
end

-- The same for a token as load_token read it (`t`, `flat`), with no write since: the list
-- read is answered, its votes rewritten in place (a queue answers many tokens at once).
-- `without_doc`: the token bytes are left out ('') and the token's id is added as a fifth
-- element: the reader holds the bytes already (they never change) or reads them apart.
local function read_snapshot(t, flat, requester_may_approve, without_doc)
  local voters, keys = counting_votes(t, requester_may_approve)
  for i = 1, #flat, 2 do
    local field = flat[i]
    if without_doc and field == 'doc' then
      flat[i + 1] = ''
    elseif field == 'used' or is_vote_field(field) then
      -- (Every other field reads as stored.)
      flat[i + 1] = reader_value(t, field, flat[i + 1], keys)
    end
  end
  local need = t.need and tonumber(t.need) or required(t)
  if without_doc then return { flat, voters, need, effective_status(t), t.id } end
  return { flat, voters, need, effective_status(t) }
end

-- A token as readers get it (see snapshot_of), read now. (An empty hash when there is no such token.)
local function token_snapshot(tkey, requester_may_approve)
  local t, flat = load_token(tkey)
  if not t then return { {}, {}, 0, '' } end
  return read_snapshot(t, flat, requester_may_approve)
end

-- Every status change wakes waiters on all replicas (pub/sub) and is written to the
-- outbox stream in the same atomic step, from which the worker enqueues notifications:
-- a crash between the change and the enqueue loses nothing. Given the token `t` (a change
-- its requester hears of), the entry also names who hears of it, so that the worker reads
-- nothing: `to` lists 'callback' when the token has a callback URL and 'officer:<id>' when
-- its requester is an officer with a webhook. `round`: how many times the token has gone back
-- to PENDING, a reopening counting itself (`ro`, from `t` when not given); each change of a token
-- is then one of a kind within its round, and its deliveries get ids of their own.
local function publish_status(id, status, t, round)
  redis.call('PUBLISH', P .. 'events', id .. ' ' .. status)
  local entry = { 'id', id, 'status', status }
  round = round or (t and t.ro)
  if round then
    entry[#entry + 1] = 'round'
    entry[#entry + 1] = tostring(round)
  end
  if t then
    local to = {}
    if t.cb and t.cb ~= '' then to[#to + 1] = 'callback' end
    local requester = string.match(t.req or '', '^user:(%d+)$')
    if requester and redis.call('EXISTS', P .. 'webhook:' .. requester) == 1 then to[#to + 1] = 'officer:' .. requester end
    entry[#entry + 1] = 'to'
    entry[#entry + 1] = table.concat(to, ' ')
  end
  redis.call('XADD', key('outbox'), '*', unpack(entry))
end

-- A vote that leaves the status as it was wakes the same listeners (a token page, an
-- officer's queue: who approved so far), but is no status change: nothing goes to the outbox.
local function publish_vote(id)
  redis.call('PUBLISH', P .. 'events', id .. ' VOTE')
end

-- Moves a token to a terminal state and drops it from every live index.
local function finish_token(tkey, t, status, retention_ms)
  redis.call('HSET', tkey, 'status', status, 'endAt', NOW)
  -- A finished token's expiry is in its bytes; the hash field only served the live checks.
  redis.call('HDEL', tkey, 'exp')
  redis.call('ZREM', key('openTokens'), t.id)
  redis.call('ZREM', key('approvedTokens'), t.id)
  for field in pairs(t) do
    if is_vote_field(field) then
      redis.call('SREM', user_key(string.sub(field, 3)) .. ':votes', t.id)
    end
  end
  if retention_ms and retention_ms > 0 then
    redis.call('PEXPIRE', tkey, retention_ms)
  end
  publish_status(t.id, status, t)
end

-- An APPROVED token whose counting votes fell below what it needs goes back to PENDING.
local function reopen_if_short(id, reason, data, requester_may_approve)
  local tkey = token_key(id)
  local t = load_token(tkey)
  if not t or t.status ~= 'APPROVED' then
    redis.call('ZREM', key('approvedTokens'), id)
    return
  end
  local have, need = #counting_voters(t, requester_may_approve), required(t)
  if have >= need then return end
  redis.call('HSET', tkey, 'status', 'PENDING')
  redis.call('HDEL', tkey, 'apAt', 'apUntil')
  local round = redis.call('HINCRBY', tkey, 'ro', 1)
  redis.call('ZREM', key('approvedTokens'), id)
  redis.call('ZADD', key('openTokens'), t.exp, id)
  data.id, data.reason, data.approvals, data.required = id, reason, have, need
  audit('token.reopened', data)
  publish_status(id, 'PENDING', nil, round)
end

-- After a CO's key changed or the CO was deleted (the user the script declares as
-- userVotes): every APPROVED token that its votes carried and that is now short goes back
-- to PENDING.
local function reopen_tokens_voted_by(uid, requester_may_approve)
  for _, id in ipairs(redis.call('SMEMBERS', key('userVotes'))) do
    reopen_if_short(id, 'approvals stopped counting', { userId = tonumber(uid) }, requester_may_approve)
  end
end

-- After an M was raised: every APPROVED token below its new bar goes back to PENDING.
local function reopen_tokens_below_bar(requester_may_approve)
  -- (Tokens past their approved timeout stay in the index for the expiry sweep.)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', key('approvedTokens'), '(' .. NOW, '+inf')) do
    reopen_if_short(id, 'quorum raised', {}, requester_may_approve)
  end
end

-- Ends every session of the user the script declares (password change or reset, lock):
-- sessions carry the generation they were made in, and only the current one is accepted.
local function end_sessions()
  redis.call('HINCRBY', key('user'), 'sgen', 1)
end

-- The votes Node verified for a gate: `<signed digest> <uid>:<vote digest>:<fingerprint> ...`
-- (SHA-1 hex, as redis.sha1hex). Answers the signed digest and the set uid -> 'digest:fp'.
local function parse_verified(text)
  local signed, votes = nil, {}
  for part in string.gmatch(text or '', '%S+') do
    if not signed then
      signed = part
    else
      local uid, digest, fp = string.match(part, '^(%d+):(%x+):(%x+)$')
      if uid then votes[uid] = digest .. ':' .. fp end
    end
  end
  return signed, votes
end

-- The quorum gate of a protected command. `required_m` is what the command needs now.
-- With no token, it passes only when that is 1. With a token, the token must be this
-- deployment's, the caller's, for this service and exactly this operation, APPROVED,
-- unexpired and still carried by counting votes from as many distinct keys as it needs
-- now, and never fewer than `required_m` (the requester's own vote counts only while
-- `requester_may_approve`). A vote counts here only when Node verified its signature over
-- the token's bytes with the key its registration names (`verified_text`, see
-- parse_verified): a vote record written into Redis by other means never carries a gate.
-- Returns (nil, gate) when it passes, or (error) when it refuses; commit_gate()
-- consumes the token. "No token" is the token key with an empty id (`{prefix}:token:`), so
-- that the key stays in the deployment's slot.
local function check_gate(tkey, requester, service, op_digest, issuer, required_m, requester_may_approve, verified_text)
  local function refuse(detail)
    return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: ' .. detail)
  end
  if tkey == token_key('') then
    if required_m <= 1 then return nil, { token = nil } end
    return refuse('0 of ' .. required_m .. ' approvals')
  end
  local t = load_token(tkey)
  if not t then return refuse('the quorum token does not exist') end
  if t.iss ~= issuer then return refuse('the quorum token was issued by another quorumd') end
  if t.req ~= requester then return refuse('the quorum token belongs to another requester') end
  if t.svc ~= service then return refuse('the quorum token is for service ' .. t.svc) end
  -- `op_digest`: the SHA-256 (hex) of the canonical operation about to run; the token's is
  -- in its bytes (operationDigest), read as JSON, never by matching text.
  -- (Bytes cjson cannot read, e.g. a lone UTF-16 surrogate escaped in an older token, never match.)
  local readable, doc = pcall(cjson.decode, t.doc)
  if not readable or type(doc) ~= 'table' or doc.operationDigest ~= op_digest then return refuse('the quorum token is for another operation') end
  local signed, verified = parse_verified(verified_text)
  if signed ~= redis.sha1hex(t.doc .. '|' .. (t.hsm or '')) then verified = {} end
  local voters, keys = counting_votes(t, requester_may_approve, verified)
  local need = math.max(required(t), required_m)
  local status = effective_status(t)
  if status == 'EXPIRED' then return refuse('the quorum token has expired') end
  if status == 'PENDING' then return refuse(#voters .. ' of ' .. need .. ' approvals') end
  if status ~= 'APPROVED' then return refuse('the quorum token is ' .. status) end
  if #voters < need then return refuse(#voters .. ' of ' .. need .. ' approvals') end
  return nil, { token = t, tkey = tkey, voters = voters, keys = keys, need = need }
end

-- Consumes the gate's token, recording which votes carried it: `used` is their voters' ids;
-- each vote keeps its key registration, and the registration's fingerprint is kept once per
-- user in `user:<id>:keys` (generation -> fingerprint), so the bundle of a used token shows
-- the keys even after a voter's key changes. `need` is the number of approvals the gate
-- checked: the bundle of a used token answers it, not what an M raised later asks.
local function commit_gate(gate, retention_ms)
  if not gate.token then return end
  for _, uid in ipairs(gate.voters) do
    local _, _, kgen = parse_vote(gate.token['v:' .. uid])
    redis.call('HSETNX', user_key(uid) .. ':keys', kgen, gate.keys[tostring(uid)])
  end
  redis.call('HSET', gate.tkey, 'used', table.concat(gate.voters, ' '), 'need', gate.need)
  finish_token(gate.tkey, gate.token, 'CONSUMED', retention_ms)
  audit('token.consumed', { id = gate.token.id, approvals = gate.voters })
end
