-- setPolicy: creates or changes a custom service's policy, behind its quorum gate
-- (PROTECTED.setPolicy: QUORUM_MGMT's M) and the service's current policy (the same votes
-- assignable to its rules), and every other custom service's policy naming a group this
-- policy comes to name; a policy naming `officers` needs every built-in M. Refused first: a
-- group the policy names that does not exist, and (the lock-out guard) a policy the officers
-- holding keys could not satisfy, unless the signed operation says force. The service's entry in mValues is the policy's size.
-- KEYS: customServices customServicesSeq groups mValues gateToken openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user userKeys userVotes webhook service group officers keyHolders passkeyHolders — the officers holding passkeys; the service's hash; the groups' members; the key holders (locks); the gate token's voters' key history and its requester's webhook
-- ARGV: requester operationDigest issuer requesterMayApprove service policy force retentionMs verified
--   `policy` the policy, canonical JSON (parsed by core's parsePolicy)   `force` '1' when the operation says force
-- Returns: {number, version, 1 when the service was created}
local service, force = A.service, A.force == '1'
local may = A.requesterMayApprove == '1'
local policy = cjson.decode(A.policy)
-- A built-in service's policy is its M of every officer (setMValue changes the M): here it
-- says only whether its approvals need passkeys.
if is_builtin_service(service) then
  local m = m_value(service)
  if #policy.rules ~= 1 or policy.rules[1].group ~= BUILTIN_GROUP or policy.rules[1].m ~= m then
    return fail('RET_BAD_REQUEST', 'The policy of ' .. service .. ' is ' .. BUILTIN_GROUP .. ':' .. m .. ' (its M): change the M with setMValue')
  end
  if policy.requirePasskey and not force then
    approver_filter = {}
    for _, holder in ipairs(redis.call('SMEMBERS', KEY.passkeyHolders())) do approver_filter[holder] = true end
    local err = check_policy_reachable(service, policy, may, false)
    approver_filter = nil
    if err then return err end
  end
  local err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.setPolicy, A.operationDigest, A.issuer, force and max_m_all() or m_value(PROTECTED.setPolicy), may, A.verified)
  if err then return err end
  commit_gate(gate, tonumber(A.retentionMs))
  local skey = KEY.service(service)
  if policy.requirePasskey then redis.call('HSET', skey, SVF.requirePasskey, '1') else redis.call('HDEL', skey, SVF.requirePasskey) end
  local version = redis.call('HINCRBY', skey, SVF.version, 1)
  audit('quorum.policy_set', { service = service, version = version + 1, policy = A.policy, forced = force })
  return { 0, version + 1, 0 }
end
local named = {}
for _, rule in ipairs(policy.rules) do named[#named + 1] = rule.group end
for _, veto in ipairs(policy.vetoGroups or {}) do named[#named + 1] = veto end
if policy.breakGlass then named[#named + 1] = policy.breakGlass.group end
for _, group in ipairs(named) do
  if group ~= BUILTIN_GROUP and redis.call('HEXISTS', key('groups'), group) == 0 then
    return fail('RET_BAD_REQUEST', 'The policy names group ' .. group .. ', which does not exist (PUT /v1/groups/' .. group .. ' first)')
  end
end
-- A policy requiring passkeys counts only the officers holding one.
if policy.requirePasskey then
  approver_filter = {}
  for _, holder in ipairs(redis.call('SMEMBERS', KEY.passkeyHolders())) do approver_filter[holder] = true end
end
local err = check_policy_reachable(service, policy, may, force)
approver_filter = nil
if err then return err end
local old = current_policy(service)
-- The policies it is held to: the service's current one, and every other custom service's
-- naming a group this policy comes to name (naming a group gives a policy a say over the
-- group's members and its officers' deletion: no one takes that say without their quorum).
local governing = old and { old } or {}
local others, services = {}, redis.call('HKEYS', key('customServices'))
table.sort(services)
for _, group in ipairs(named) do
  if not (old and policy_names_group(old, group)) then
    for _, other in ipairs(services) do
      local other_policy = current_policy(other)
      if other ~= service and not others[other] and other_policy and policy_names_group(other_policy, group) then
        others[other] = true
        governing[#governing + 1] = other_policy
      end
    end
  end
end
local required_m = m_value(PROTECTED.setPolicy)
-- A policy naming `officers` (every CO) governs every officer, as the built-in services do: every built-in M.
local names_officers = false
for _, group in ipairs(named) do
  if group == BUILTIN_GROUP then names_officers = true end
end
if force or names_officers then required_m = max_m_all() end
local gate
err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.setPolicy, A.operationDigest, A.issuer, required_m, may, A.verified)
if err then return err end
err = check_gate_policies(gate, governing, may, force)
if err then return err end
err = check_change_base(gate, service_change_base(service), 'the policy of ' .. service)
if err then return err end
commit_gate(gate, tonumber(A.retentionMs))
local skey = KEY.service(service)
local number = redis.call('HGET', key('customServices'), service)
if not number then
  number = redis.call('INCR', key('customServicesSeq'))
  if number < 100 then
    number = 100
    redis.call('SET', key('customServicesSeq'), number)
  end
  redis.call('HSET', key('customServices'), service, number)
end
local version = redis.call('HINCRBY', skey, SVF.version, 1)
redis.call('HSET', skey, SVF.policy, A.policy, SVF.number, number)
set_m_value(service, policy_size(policy))
audit('quorum.policy_set', { service = service, version = version, policy = A.policy, forced = force })
-- The policy in force counts at once: an APPROVED token it no longer carries goes back to PENDING.
policies[service] = policy
if old then reopen_tokens_not_carried('policy changed', { service = service }, may) end
return { tonumber(number), version, old and 0 or 1 }
