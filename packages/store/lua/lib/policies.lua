-- Included by every script: custom services' quorum policies, groups of officers, and the
-- assignment of approvers to a policy's rules (no approver counted for two rules).
-- A built-in service's policy is its M of every officer: its counts never come here (no read).

local function is_builtin_service(service)
  for _, name in ipairs(SERVICES) do
    if name == service then return true end
  end
  return false
end

-- The custom services' names, sorted.
local function custom_services()
  local names = redis.call('HKEYS', KEY.customServices())
  table.sort(names)
  return names
end

-- A custom service's policy as stored (a table), or nil: a built-in service, or none such.
-- Read once per script run.
local policies = {}
-- The same policies' texts (canonical JSON, as a token of the service signs them).
local policy_texts = {}

local function current_policy(service)
  local policy = policies[service]
  if policy == nil then
    policy = false
    if not is_builtin_service(service) then
      local text = redis.call('HGET', KEY.service(service), SVF.policy)
      if text then
        policy = cjson.decode(text)
        policy_texts[service] = text
      end
    end
    policies[service] = policy
  end
  return policy or nil
end

-- The fewest distinct approvers a policy needs: the sum of its rules' m.
local function policy_size(policy)
  local n = 0
  for _, rule in ipairs(policy.rules) do n = n + rule.m end
  return n
end

-- Whether a policy names a group (in a rule, or as a veto group).
local function policy_names_group(policy, group)
  for _, rule in ipairs(policy.rules) do
    if rule.group == group then return true end
  end
  for _, veto in ipairs(policy.vetoGroups or {}) do
    if veto == group then return true end
  end
  return policy.breakGlass ~= nil and policy.breakGlass.group == group
end

-- Group membership now (read once per run). `group_override[group]` (a set of ids as
-- strings) stands for a group's members as a change in this run is about to leave them.
local memberships = {}
local group_override = {}

local function is_member(uid, group)
  local override = group_override[group]
  if override then return override[tostring(uid)] == true end
  local k = group .. ' ' .. uid
  local member = memberships[k]
  if member == nil then
    local set = group == BUILTIN_GROUP and KEY.officers() or KEY.group(group)
    member = redis.call('SISMEMBER', set, uid) == 1
    memberships[k] = member
  end
  return member
end

-- Assigns approvers (distinct user ids, ascending) to a policy's rules: every rule needs m
-- distinct members of its group, and no approver fills two places (a matching, found by
-- augmenting paths: the same algorithm, order and answer as assignApprovers in core).
-- Answers whether every place is filled, and each rule's progress {group, m, have}.
local function assign_approvers(rules, approvers)
  local owner = {}
  for r, rule in ipairs(rules) do
    for _ = 1, rule.m do owner[#owner + 1] = r end
  end
  local fits = {}
  for a, uid in ipairs(approvers) do
    fits[a] = {}
    for r, rule in ipairs(rules) do fits[a][r] = is_member(uid, rule.group) end
  end
  local holder, filled = {}, 0
  local function place(a, seen)
    for p = 1, #owner do
      if not seen[p] and fits[a][owner[p]] then
        seen[p] = true
        if holder[p] == nil or place(holder[p], seen) then
          holder[p] = a
          return true
        end
      end
    end
    return false
  end
  for a = 1, #approvers do
    if filled == #owner then break end
    if place(a, {}) then filled = filled + 1 end
  end
  local progress = {}
  for r, rule in ipairs(rules) do progress[r] = { group = rule.group, m = rule.m, have = {} } end
  for p = 1, #owner do
    if holder[p] then table.insert(progress[owner[p]].have, approvers[holder[p]]) end
  end
  for _, rule in ipairs(progress) do table.sort(rule.have) end
  return filled == #owner, progress
end

-- The approvers a policy counts among `voters` (ascending ids): all, but the requester
-- (`requester`, a user id or nil) when the policy or the deployment says requesters may not approve.
local function policy_voters(policy, voters, requester, requester_may_approve)
  if requester_may_approve and policy.requesterMayApprove ~= false then return voters end
  local out = {}
  for _, uid in ipairs(voters) do
    if tostring(uid) ~= requester then out[#out + 1] = uid end
  end
  return out
end

-- `rule sre: 1 of 2, rule security: 0 of 1`: what an assignment lacks.
local function progress_text(progress)
  local parts = {}
  for _, rule in ipairs(progress) do
    parts[#parts + 1] = 'rule ' .. rule.group .. ': ' .. #rule.have .. ' of ' .. rule.m
  end
  return table.concat(parts, ', ')
end

-- Whether the officers who could approve (key holders not locked for good; `without`
-- leaves one out, the officer about to be deleted) can satisfy a policy, counting the
-- matching; when requesters may not approve, whoever of them asks does not count (the
-- policy must hold without any one of the officers it assigns).
-- `approver_filter` (a set of ids as strings), when a script sets it, narrows the officers
-- who could approve further (a policy requiring passkeys: the officers holding one).
local approver_filter = nil

local function policy_reachable(policy, requester_may_approve, without)
  local candidates = {}
  for _, uid in ipairs(redis.call('SMEMBERS', KEY.keyHolders())) do
    if uid ~= without and lock_state(uid) ~= 'forever' and (approver_filter == nil or approver_filter[uid]) then candidates[#candidates + 1] = tonumber(uid) end
  end
  table.sort(candidates)
  local ok, progress = assign_approvers(policy.rules, candidates)
  if not ok then return false, progress end
  if requester_may_approve and policy.requesterMayApprove ~= false then return true, progress end
  for _, rule in ipairs(progress) do
    for _, uid in ipairs(rule.have) do
      local without = policy_voters(policy, candidates, tostring(uid), false)
      local still, left = assign_approvers(policy.rules, without)
      if not still then return false, left end
    end
  end
  return true, progress
end

-- Refuses a change that leaves a policy unsatisfiable (a lock-out), unless forced.
local function check_policy_reachable(service, policy, requester_may_approve, force, without)
  if force then return nil end
  local ok, progress = policy_reachable(policy, requester_may_approve, without)
  if ok then return nil end
  return fail('RET_QUORUM_UNREACHABLE', 'The policy of ' .. service .. ' could not be satisfied by the officers holding quorum keys (' ..
    progress_text(progress) .. '); put force in the operation to do it anyway')
end

-- A custom service's token's signed policy (a table), or nil (read once per token per run).
local signed_policies = {}

local function signed_policy(t)
  if not t[TF.policy] then return nil end
  local policy = signed_policies[t[TF.policy]]
  if not policy then
    policy = cjson.decode(t[TF.policy])
    signed_policies[t[TF.policy]] = policy
  end
  return policy
end

-- The policies a token's approvals must satisfy now, besides its count: the policy signed
-- into it, and the current policy of every custom service that governs it (its own, or a
-- governing one). None for a token of built-in services only (no read).
-- A forced operation (its signed args say force, and it needs every built-in M) passes over
-- a governing policy the officers holding keys can no longer satisfy (see check_gate_policies).
local function token_policies(t)
  local out = {}
  local signed = signed_policy(t)
  if signed then out[1] = signed end
  local services = t[TF.service] .. ' ' .. (t[TF.governingServices] or '')
  local forced
  for service in string.gmatch(services, '%S+') do
    if not is_builtin_service(service) then
      local policy = current_policy(service)
      if policy and service ~= t[TF.service] then
        if forced == nil then
          local readable, doc = pcall(cjson.decode, t[TF.doc])
          forced = readable and type(doc) == 'table' and type(doc.operation) == 'table' and type(doc.operation.args) == 'table' and doc.operation.args.force == true
        end
        if forced and not policy_reachable(policy, true) then policy = nil end
      end
      if policy then out[#out + 1] = policy end
    end
  end
  return out
end

-- Whether a token's counting voters (ascending ids) carry it: as many as it needs (`need`),
-- and an assignment of them to the rules of each of its policies (token_policies: the
-- stricter of the signed and the current one, both held), membership as of now.
-- A token of built-in services only is the count alone.
local function carried_by_quorum(t, voters, need, requester_may_approve)
  if #voters < need then return false end
  for _, policy in ipairs(token_policies(t)) do
    if not assign_approvers(policy.rules, policy_voters(policy, voters, requester_uid(t), requester_may_approve)) then return false end
  end
  return true
end

-- Whether officer `uid` can help carry a custom service's token: a member of a group one
-- of its policies' rules names, and not a requester excluded from approving it. Any officer
-- for a built-in service's token (its M counts every officer; the requester rule is
-- may_approve's), also one a custom policy governs as well (a policy or group change).
local function may_help_by_rules(t, uid, requester_may_approve)
  if is_builtin_service(t[TF.service]) then return true end
  local policies = token_policies(t)
  for _, policy in ipairs(policies) do
    if #policy_voters(policy, { tonumber(uid) }, requester_uid(t), requester_may_approve) == 0 then return false end
  end
  for _, policy in ipairs(policies) do
    for _, rule in ipairs(policy.rules) do
      if is_member(uid, rule.group) then return true end
    end
  end
  return false
end

-- Whether officer `uid` is in a veto group of the token's policies (its rejection ends the token).
local function vetoes_by_group(t, uid)
  for _, policy in ipairs(token_policies(t)) do
    for _, group in ipairs(policy.vetoGroups or {}) do
      if is_member(uid, group) then return true end
    end
  end
  return false
end

-- A custom service's token's progress: its counting voters assigned to the rules of the
-- policy signed into it (JSON [{group, m, have}]), or nil for any other token. When the
-- service's policy changed since, the rules of the one in force follow, each with
-- `current = true`: the token needs both.
local function progress_json(t, voters, requester_may_approve)
  local signed = signed_policy(t)
  if not signed then return nil end
  local requester = requester_uid(t)
  local _, progress = assign_approvers(signed.rules, policy_voters(signed, voters, requester, requester_may_approve))
  local now = current_policy(t[TF.service])
  if now and policy_texts[t[TF.service]] ~= t[TF.policy] then
    local _, in_force = assign_approvers(now.rules, policy_voters(now, voters, requester, requester_may_approve))
    for _, rule in ipairs(in_force) do
      rule.current = true
      progress[#progress + 1] = rule
    end
  end
  -- (An empty `have` encodes as {}: readers take it for [].)
  return cjson.encode(progress)
end

-- What a custom service's token's bundle shows once it is used: how its approvals filled the
-- rules of the policy signed into it, and each approver's groups then (of those its policies
-- name), as JSON {"assignment": [{group, m, have}], "groups": {"<user id>": [group, ...]}}.
local function used_assignment_json(t, voters, requester_may_approve)
  local signed = signed_policy(t)
  if not signed then return nil end
  local _, assignment = assign_approvers(signed.rules, policy_voters(signed, voters, requester_uid(t), requester_may_approve))
  local named, seen = {}, {}
  for _, policy in ipairs(token_policies(t)) do
    for _, rule in ipairs(policy.rules) do
      if not seen[rule.group] then
        seen[rule.group] = true
        named[#named + 1] = rule.group
      end
    end
  end
  -- (A break-glass token's approvers' membership of its break-glass group, too.)
  if signed.breakGlass and not seen[signed.breakGlass.group] then named[#named + 1] = signed.breakGlass.group end
  table.sort(named)
  local groups = {}
  for _, uid in ipairs(voters) do
    local of = {}
    for _, group in ipairs(named) do
      if is_member(uid, group) then of[#of + 1] = group end
    end
    groups[tostring(uid)] = of
  end
  -- (Empty lists encode as {}: readers take them for [].)
  return cjson.encode({ assignment = assignment, groups = groups })
end

-- The policies of the custom services that count officer `uid` (it is a member of a group a
-- rule names) or take its veto (a member of a veto group): what its account's approving (or
-- vetoing) power is worth beyond the built-in M.
local function policies_counting(uid)
  local out = {}
  for _, service in ipairs(custom_services()) do
    local policy = current_policy(service)
    if policy then
      local groups = {}
      for _, rule in ipairs(policy.rules) do groups[#groups + 1] = rule.group end
      for _, veto in ipairs(policy.vetoGroups or {}) do groups[#groups + 1] = veto end
      for _, group in ipairs(groups) do
        if is_member(uid, group) then
          out[#out + 1] = policy
          break
        end
      end
    end
  end
  return out
end

-- What a setGroup, or a setPolicy or deleteService, changes, as it is now: `g<version>` for a group,
-- `s<number>/<version>` for a service (a service deleted and made again has a new number). Such a
-- change names the whole member list or policy: its token, which keeps this from its issue
-- (TF.changeBase), counts only while it is still so.
local function group_change_base(group)
  return 'g' .. (redis.call('HGET', KEY.groups(), group) or '0')
end

local function service_change_base(service)
  local held = redis.call('HMGET', KEY.service(service), SVF.number, SVF.version)
  return 's' .. (held[1] or '0') .. '/' .. (held[2] or '0')
end

-- Refuses a gate's token for a change of a group or service that changed since the token was
-- issued (`base`: group_change_base or service_change_base now): its approvers approved
-- replacing what was then.
local function check_change_base(gate, base, what)
  if gate.token and gate.token[TF.changeBase] ~= base then
    return fail('RET_MXN_AUTH_FAILED', 'Quorum approval is required for this operation: ' .. what .. ' changed since the token was issued; ask for a new one')
  end
  return nil
end

-- What the policy in force refuses in a custom service's token beyond its rules, or nil: a
-- command it no longer allows, no reason when it now requires one, or an approval older
-- than its approved timeout (a token must satisfy
-- the policy in force when it is used, as well as the one signed into it).
local function policy_in_force_refusal(t)
  if not t[TF.policy] then return nil end
  local service = t[TF.service]
  local policy = current_policy(service)
  if not policy then return nil end
  local readable, doc = pcall(cjson.decode, t[TF.doc])
  if not readable or type(doc) ~= 'table' or type(doc.operation) ~= 'table' then return 'its bytes cannot be read' end
  if policy.commands then
    local allowed = false
    for _, command in ipairs(policy.commands) do
      if command == doc.operation.command then allowed = true end
    end
    if not allowed then return 'the policy of ' .. service .. ' no longer allows ' .. tostring(doc.operation.command) end
  end
  if policy.requireReason == true and (type(doc.reason) ~= 'string' or string.match(doc.reason, '^%s*$')) then
    return 'the policy of ' .. service .. ' now requires a reason, and the token has none'
  end
  -- (The approved timeout fixed at issue is the signed policy's; the one in force may be shorter.)
  local approved_at = tonumber(t[TF.approvedAt] or '')
  if policy.approvedTimeoutSeconds and approved_at and NOW > approved_at + policy.approvedTimeoutSeconds * 1000 then
    return 'the policy of ' .. service .. ' now allows ' .. policy.approvedTimeoutSeconds .. ' s from approval to use, and the token was approved longer ago'
  end
  return nil
end

-- Whether approving token `t` needs a passkey assertion by the policies in force now: its
-- service's (a built-in one's flag, a custom one's policy) and each service that governs it.
-- (The deployment's setting and the policy signed into the token are checked before the script.)
local function passkey_required_now(t)
  local services = t[TF.service] .. ' ' .. (t[TF.governingServices] or '')
  for service in string.gmatch(services, '%S+') do
    if is_builtin_service(service) then
      if redis.call('HGET', KEY.service(service), SVF.requirePasskey) == '1' then return true end
    else
      local policy = current_policy(service)
      if policy and policy.requirePasskey == true then return true end
    end
  end
  return false
end
