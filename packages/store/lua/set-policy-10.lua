-- setPolicy: creates or changes a custom service's policy, behind its quorum gate
-- (PROTECTED.setPolicy: QUORUM_MGMT's M) and the service's current policy (the same votes
-- assignable to its rules). Refused first: a group the policy names that does not exist,
-- and (the lock-out guard) a policy the officers holding keys could not satisfy, unless the
-- signed operation says force. The service's entry in mValues is the policy's size.
-- KEYS: customServices customServicesSeq groups mValues gateToken openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user userKeys userVotes webhook service group officers keyHolders — the service's hash; the groups' members; the key holders (locks); the gate token's voters' key history and its requester's webhook
-- ARGV: requester operationDigest issuer requesterMayApprove service policy force retentionMs verified
--   `policy` the policy, canonical JSON (parsed by core's parsePolicy)   `force` '1' when the operation says force
-- Returns: {number, version, 1 when the service was created}
local service, force = A.service, A.force == '1'
local may = A.requesterMayApprove == '1'
local policy = cjson.decode(A.policy)
local named = {}
for _, rule in ipairs(policy.rules) do named[#named + 1] = rule.group end
for _, veto in ipairs(policy.vetoGroups or {}) do named[#named + 1] = veto end
if policy.breakGlass then named[#named + 1] = policy.breakGlass.group end
for _, group in ipairs(named) do
  if group ~= BUILTIN_GROUP and redis.call('HEXISTS', key('groups'), group) == 0 then
    return fail('RET_BAD_REQUEST', 'The policy names group ' .. group .. ', which does not exist (PUT /v1/groups/' .. group .. ' first)')
  end
end
local err = check_policy_reachable(service, policy, may, force)
if err then return err end
local old = current_policy(service)
local required_m = m_value(PROTECTED.setPolicy)
if force then required_m = max_m_all() end
local gate
err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.setPolicy, A.operationDigest, A.issuer, required_m, may, A.verified)
if err then return err end
err = check_gate_policies(gate, old and { old } or {}, may, force)
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
