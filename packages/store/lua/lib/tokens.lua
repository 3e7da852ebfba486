-- Included by every script: a token's hash read, its status now, what it needs now, who
-- its requester is and who may approve it.

local function hash_to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

-- A token's id: it is in its key (`<prefix>token:<id>`), not in its hash.
local function token_id(tkey)
  return string.sub(tkey, TOKEN_KEY_LENGTH + 1)
end

-- A token's hash as a table, with its id; and the hash as read (HGETALL's flat list).
local function load_token(tkey)
  local flat = redis.call('HGETALL', tkey)
  if #flat == 0 then return nil end
  local t = hash_to_table(flat)
  t.id = token_id(tkey)
  return t, flat
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
  if t[TF.status] == STATUS.PENDING and NOW >= tonumber(t[TF.expiresAt]) then return STATUS.EXPIRED end
  if t[TF.status] == STATUS.APPROVED and t[TF.approvedUntil] and NOW >= tonumber(t[TF.approvedUntil]) then return STATUS.EXPIRED end
  return t[TF.status]
end

-- The largest M of all services: what hands out approving power needs (see
-- governingServices in core, which decides which operations do, at issue).
local function max_m_all()
  local m = 1
  for _, service in ipairs(SERVICES) do m = math.max(m, m_value(service)) end
  return m
end

-- The M a token's operation requires now: the largest M of the services that govern it,
-- as fixed at issue (its own; setMValue's target; every service for a new CO, another
-- CO's password, anything forced).
local function required_now(t)
  local need = m_value(t[TF.service])
  for service in string.gmatch(t[TF.governingServices] or '', '%S+') do need = math.max(need, m_value(service)) end
  return need
end

-- Approvals a token needs to be approved or used: its own m (fixed at issue), or more
-- when its operation requires more now. Raising M raises every open token's bar at once.
local function required(t)
  return math.max(tonumber(t[TF.m]), required_now(t))
end

-- The user id whose rules a token's requester follows: the user itself, or the owner of
-- the API key that asked (an API key acts for its owner).
local function requester_uid(t)
  if t[TF.requesterUser] and t[TF.requesterUser] ~= '' then return t[TF.requesterUser] end
  return string.match(t[TF.requester] or '', '^user:(%d+)$')
end

-- Whether user `uid` may approve token `t` given the deployment's self-approval setting.
-- A break-glass review token: the reviewed token's requester and approvers never count (reviewExcluded).
local function may_approve(t, uid, requester_may_approve)
  if t[TF.reviewExcluded] and string.find(t[TF.reviewExcluded], ' ' .. tostring(uid) .. ' ', 1, true) then return false end
  return requester_may_approve or requester_uid(t) ~= tostring(uid)
end
