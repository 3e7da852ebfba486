-- Included by every script: the quorum gate of a protected command (check, then commit).

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
-- A gated script's arguments begin with the gate's (quorum-gate.ts: gateIdsAndArgs): `requester`
-- (the caller's requester key), `operationDigest` (SHA-256 hex of the canonical operation),
-- `issuer`, `requesterMayApprove` ('1' or '0'), and end with `verified` (see parse_verified).
local function check_gate(tkey, requester, service, op_digest, issuer, required_m, requester_may_approve, verified_text)
  local function refuse(detail)
    return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: ' .. detail)
  end
  if tkey == KEY.token('') then
    if required_m <= 1 then return nil, { token = nil } end
    return refuse('0 of ' .. required_m .. ' approvals')
  end
  local t = load_token(tkey)
  if not t then return refuse('the quorum token does not exist') end
  if t[TF.issuer] ~= issuer then return refuse('the quorum token was issued by another quorumd') end
  if t[TF.requester] ~= requester then return refuse('the quorum token belongs to another requester') end
  if t[TF.service] ~= service then return refuse('the quorum token is for service ' .. t[TF.service]) end
  -- `op_digest`: the SHA-256 (hex) of the canonical operation about to run; the token's is
  -- in its bytes (operationDigest), read as JSON, never by matching text.
  -- (Bytes cjson cannot read, e.g. a lone UTF-16 surrogate escaped in an older token, never match.)
  local readable, doc = pcall(cjson.decode, t[TF.doc])
  if not readable or type(doc) ~= 'table' or doc.operationDigest ~= op_digest then return refuse('the quorum token is for another operation') end
  local signed, verified = parse_verified(verified_text)
  if signed ~= redis.sha1hex(t[TF.doc] .. '|' .. (t[TF.hsmData] or '')) then verified = {} end
  local voters, keys = counting_votes(t, requester_may_approve, verified)
  local need = math.max(required(t), required_m)
  local status = effective_status(t)
  if status == STATUS.EXPIRED then return refuse('the quorum token has expired') end
  if status == STATUS.PENDING then return refuse(#voters .. ' of ' .. need .. ' approvals') end
  if status ~= STATUS.APPROVED then return refuse('the quorum token is ' .. status) end
  if #voters < need and not break_glass_ready(t, voters, requester_may_approve) then return refuse(#voters .. ' of ' .. need .. ' approvals') end
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
    local _, _, kgen = parse_vote(gate.token[VOTE .. uid])
    redis.call('HSETNX', KEY.userKeys(uid), kgen, gate.keys[tostring(uid)])
  end
  redis.call('HSET', gate.tkey, TF.used, table.concat(gate.voters, ' '), TF.need, gate.need)
  finish_token(gate.tkey, gate.token, STATUS.CONSUMED, retention_ms)
  audit('token.consumed', { id = gate.token.id, approvals = gate.voters })
end

-- The rest of a gate governed by custom services' policies as well (`policies`, read now by
-- the script; after check_gate passed, before commit_gate): the same counting votes must be
-- assignable to each policy's rules, membership as of now, no approver counted twice.
-- `force` (a signed operation's, which needs every built-in M): a policy the officers holding
-- keys can no longer satisfy is passed over — the way out of a service locked out for good.
local function check_gate_policies(gate, policies, requester_may_approve, force)
  if force then
    local reachable = {}
    for _, policy in ipairs(policies) do
      if policy_reachable(policy, requester_may_approve) then reachable[#reachable + 1] = policy end
    end
    policies = reachable
  end
  -- (A custom policy always asks for its approvers, even of one: no token, no change.)
  if not gate.token then
    if #policies == 0 then return nil end
    return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: 0 of ' .. policy_size(policies[1]) .. ' approvals')
  end
  for _, policy in ipairs(policies) do
    local voters = policy_voters(policy, gate.voters, requester_uid(gate.token), requester_may_approve)
    local carried, progress = assign_approvers(policy.rules, voters)
    if not carried then
      return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: the approvals do not satisfy every rule (' .. progress_text(progress) .. ')')
    end
    gate.need = math.max(gate.need, policy_size(policy))
  end
  return nil
end
