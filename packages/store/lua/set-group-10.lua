-- setGroup: sets a group's members (creating the group), behind its quorum gate
-- (PROTECTED.setGroup: QUORUM_MGMT's M) and the policy of every custom service that names
-- the group (read now: a service that came to name it since the token was issued governs
-- too), counted with the members as they are before the change. Refused first: a member
-- who is not a crypto officer, and (the lock-out guard) members that leave a service's
-- policy unsatisfiable by the officers holding keys, unless the signed operation says force.
-- KEYS: groups customServices officers mValues gateToken openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user userKeys userVotes webhook service group groups keyHolders officers passkeyHolders — the group's version (what the token was issued against); the officers holding passkeys; the services' hashes (policies); the groups' members; the key holders (locks); the gate token's voters' key history and its requester's webhook
-- ARGV: requester operationDigest issuer requesterMayApprove group members force retentionMs verified
--   `members` the user ids, space separated, ascending   `force` '1' when the operation says force
-- Returns: the group's new version
local group, force = A.group, A.force == '1'
local may = A.requesterMayApprove == '1'
local members, ids = {}, {}
for uid in string.gmatch(A.members, '%d+') do
  if redis.call('SISMEMBER', key('officers'), uid) == 0 then
    return fail('RET_BAD_REQUEST', 'User ' .. uid .. ' is not a crypto officer: only officers are members of groups')
  end
  members[uid] = true
  ids[#ids + 1] = tonumber(uid)
end
-- The services whose policy names the group, now.
local governing, governed = {}, {}
local services = redis.call('HKEYS', key('customServices'))
table.sort(services)
for _, service in ipairs(services) do
  local policy = current_policy(service)
  if policy and policy_names_group(policy, group) then
    governing[#governing + 1] = policy
    governed[#governed + 1] = service
  end
end
local required_m = m_value(PROTECTED.setGroup)
if force then required_m = max_m_all() end
local err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.setGroup, A.operationDigest, A.issuer, required_m, may, A.verified)
if err then return err end
err = check_gate_policies(gate, governing, may, force)
if err then return err end
err = check_change_base(gate, group_change_base(group), 'the group ' .. group)
if err then return err end
-- The lock-out guard, with the members as the change leaves them.
group_override[group] = members
-- (A policy requiring passkeys: counting only the officers who hold one.)
local passkey_holders = {}
for _, holder in ipairs(redis.call('SMEMBERS', KEY.passkeyHolders())) do passkey_holders[holder] = true end
for i, policy in ipairs(governing) do
  approver_filter = policy.requirePasskey and passkey_holders or nil
  err = check_policy_reachable(governed[i], policy, may, force)
  approver_filter = nil
  if err then return err end
end
commit_gate(gate, tonumber(A.retentionMs))
local gkey = KEY.group(group)
redis.call('DEL', gkey)
if #ids > 0 then redis.call('SADD', gkey, unpack(ids)) end
local version = redis.call('HINCRBY', key('groups'), group, 1)
audit('group.set', { group = group, members = ids, version = version, forced = force })
-- Membership counts as of now: a token an approver who left the group carried goes back to PENDING.
if #governing > 0 then reopen_tokens_not_carried('group changed', { group = group }, may) end
return version
