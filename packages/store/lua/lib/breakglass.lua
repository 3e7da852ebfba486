-- Included by every script: the break-glass path of a custom service's token (docs/policies.md).
-- A break-glass token (its hash has TF.breakGlassAt, the end of its time lock) is carried also
-- by `m` members of its policy's break-glass group once the time lock is over, with the
-- stricter of the signed and the current policy's break-glass rule; any officer of the
-- service's rules vetoes it while it waits. The names below shadow carried, may_help and
-- vetoes (policies.lua's carried_by_quorum, may_help_by_rules and vetoes_by_group, widened)
-- for every include and script that follows.

-- The break-glass rules a token must satisfy now (signed and current), or nil when it has none.
local function break_glass_rules(t)
  if not t[TF.breakGlassAt] then return nil end
  local signed = signed_policy(t)
  local current = current_policy(t[TF.service])
  if not signed or not signed.breakGlass or not current or not current.breakGlass then return nil end
  return signed, { signed.breakGlass, current.breakGlass }
end

-- Whether a break-glass token's counting voters carry it on its break-glass path now: the
-- time lock over (the current policy's delay too, counted from the same issue time), and m
-- members of the group, under both rules.
local function break_glass_ready(t, voters, requester_may_approve)
  local signed, rules = break_glass_rules(t)
  if not signed then return false end
  local lock_end = tonumber(t[TF.breakGlassAt])
  local issued = lock_end - rules[1].delaySeconds * 1000
  if NOW < lock_end or NOW < issued + rules[2].delaySeconds * 1000 then return false end
  local counted = policy_voters(signed, voters, requester_uid(t), requester_may_approve)
  for _, rule in ipairs(rules) do
    if not assign_approvers({ { group = rule.group, m = rule.m } }, counted) then return false end
  end
  return true
end

-- Whether a token's counting voters carry it: its policies' rules, or its break-glass path.
local function carried(t, voters, need, requester_may_approve)
  if carried_by_quorum(t, voters, need, requester_may_approve) then return true end
  return break_glass_ready(t, voters, requester_may_approve)
end

-- A member of the break-glass group helps a break-glass token too (not a requester it excludes).
local function may_help(t, uid, requester_may_approve)
  if may_help_by_rules(t, uid, requester_may_approve) then return true end
  local signed, rules = break_glass_rules(t)
  if not signed then return false end
  if #policy_voters(signed, { tonumber(uid) }, requester_uid(t), requester_may_approve) == 0 then return false end
  return is_member(uid, rules[1].group) and is_member(uid, rules[2].group)
end

-- Any officer of the service's rules (or veto groups) vetoes a break-glass token.
local function vetoes(t, uid)
  if vetoes_by_group(t, uid) then return true end
  if not t[TF.breakGlassAt] then return false end
  for _, policy in ipairs(token_policies(t)) do
    for _, rule in ipairs(policy.rules) do
      if is_member(uid, rule.group) then return true end
    end
  end
  return false
end

-- The officers of a service's rules, veto groups and break-glass group (ids as strings, sorted).
local function service_officers(policy)
  local seen, out = {}, {}
  local groups = {}
  for _, rule in ipairs(policy.rules) do groups[#groups + 1] = rule.group end
  for _, group in ipairs(policy.vetoGroups or {}) do groups[#groups + 1] = group end
  if policy.breakGlass then groups[#groups + 1] = policy.breakGlass.group end
  for _, group in ipairs(groups) do
    local set = group == BUILTIN_GROUP and KEY.officers() or KEY.group(group)
    for _, uid in ipairs(redis.call('SMEMBERS', set)) do
      if not seen[uid] then
        seen[uid] = true
        out[#out + 1] = uid
      end
    end
  end
  table.sort(out, function(a, b) return tonumber(a) < tonumber(b) end)
  return out
end

-- An announcement (`event`: breakglass.requested, breakglass.unreviewed) to every officer of
-- the service's rules: to the outbox (the worker tells those with a webhook, `to`; `officers`
-- names them all) and to waiters (pub/sub: `<id> BREAKGLASS`).
local function announce(id, event, policy, data)
  local officers = service_officers(policy)
  local to = {}
  for _, uid in ipairs(officers) do
    if redis.call('EXISTS', KEY.webhook(uid)) == 1 then to[#to + 1] = 'officer:' .. uid end
  end
  redis.call('XADD', KEY.outbox(), '*', OF.id, id, OF.status, STATUS.PENDING, OF.event, event, OF.to, table.concat(to, ' '),
    OF.officers, table.concat(officers, ' '), OF.data, cjson.encode(data))
  redis.call('PUBLISH', KEY.events(), id .. ' BREAKGLASS')
  return officers
end

-- A break-glass token whose time lock is over and whose break-glass approvals carry it is
-- APPROVED now (the sweep at the lock's end, and lazily before a vote, a rejection or a use).
-- Answers whether it approved it; `t` follows the writes.
local function settle_break_glass(tkey, t, requester_may_approve)
  if not t[TF.breakGlassAt] or effective_status(t) ~= STATUS.PENDING then return false end
  local voters = counting_votes(t, requester_may_approve)
  if not break_glass_ready(t, voters, requester_may_approve) then return false end
  local until_ms = tostring(NOW + tonumber(t[TF.approvedTimeout] or '600000'))
  redis.call('HSET', tkey, TF.status, STATUS.APPROVED, TF.approvedAt, NOW, TF.approvedUntil, until_ms, TF.breakGlassApproval, 'breakGlass')
  t[TF.status], t[TF.approvedAt], t[TF.approvedUntil], t[TF.breakGlassApproval] = STATUS.APPROVED, tostring(NOW), until_ms, 'breakGlass'
  redis.call('ZREM', KEY.openTokens(), t.id)
  redis.call('ZREM', KEY.breakGlassTokens(), t.id)
  redis.call('ZADD', KEY.approvedTokens(), until_ms, t.id)
  audit('token.approved', { id = t.id, approvals = voters, required = #voters, path = 'breakGlass' })
  audit('token.breakglass.approved', { id = t.id, service = t[TF.service], approvals = voters })
  publish_status(t.id, STATUS.APPROVED, t)
  return true
end

-- After a break-glass token was APPROVED by a vote (approve-token): which path carried it.
local function note_break_glass_approval(tkey, t, voters, need, requester_may_approve)
  if not t[TF.breakGlassAt] then return end
  local path = carried_by_quorum(t, voters, need, requester_may_approve) and 'quorum' or 'breakGlass'
  redis.call('HSET', tkey, TF.breakGlassApproval, path)
  t[TF.breakGlassApproval] = path
  redis.call('ZREM', KEY.breakGlassTokens(), t.id)
  audit('token.breakglass.approved', { id = t.id, service = t[TF.service], approvals = voters, by = path })
end

