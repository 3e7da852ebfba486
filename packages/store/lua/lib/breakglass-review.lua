-- Included by every script: the review a break-glass token's use sets off (docs/policies.md).

-- Consuming a break-glass token that its break-glass approvals carried (not its quorum) issues
-- its review token in the same step: a QUORUM_MGMT token (operation reviewBreakGlass {token},
-- its bytes made by Node: `review`) that the service's normal policy must approve within the
-- review window. Its requester is quorumd ('system': no one consumes or deletes it as its
-- requester); the break-glass token's requester and approvers never count toward it
-- (reviewExcluded), and are locked when it is rejected or not approved in time (reviewLocks).
local function issue_review(bg, voters, review)
  local people, seen = {}, {}
  local requester = requester_uid(bg)
  for _, uid in ipairs(voters) do
    seen[tostring(uid)] = true
    people[#people + 1] = tostring(uid)
  end
  if requester and not seen[requester] then people[#people + 1] = requester end
  local listed = ' ' .. table.concat(people, ' ') .. ' '
  local r = {
    [TF.doc] = review.bytes, [TF.service] = PROTECTED.setPolicy, [TF.m] = review.m, [TF.requester] = 'system',
    [TF.expiresAt] = review.expiresAt, [TF.issuer] = bg[TF.issuer], [TF.status] = STATUS.PENDING,
    [TF.governingServices] = bg[TF.service], [TF.policy] = review.policy,
    [TF.reviewOf] = bg.id, [TF.reviewExcluded] = listed, [TF.reviewLocks] = listed,
  }
  local fields = {}
  for field, value in pairs(r) do
    fields[#fields + 1] = field
    fields[#fields + 1] = value
  end
  local rkey = KEY.token(review.id)
  if redis.call('EXISTS', rkey) == 1 then return fail('RET_BAD_REQUEST', 'Token id already in use') end
  redis.call('HSET', rkey, unpack(fields))
  redis.call('ZADD', KEY.openTokens(), review.expiresAt, review.id)
  redis.call('ZADD', KEY.allTokens(), NOW, review.id)
  redis.call('HSET', KEY.token(bg.id), TF.reviewToken, review.id, TF.breakGlassApproval, 'breakGlass')
  audit('token.issued', { id = review.id, service = PROTECTED.setPolicy, command = 'reviewBreakGlass', m = tonumber(review.m), reviewOf = bg.id })
  audit('token.breakglass.used', { id = bg.id, service = bg[TF.service], approvals = voters, review = review.id, reviewBy = tonumber(review.expiresAt) })
  publish_status(review.id, STATUS.PENDING)
  return nil
end

-- A review token its normal quorum approved is done at once (CONSUMED: no one may use it for
-- anything else): the break-glass use is reviewed.
local function review_approved(tkey, t, voters, keys, need)
  for _, uid in ipairs(voters) do
    local _, _, kgen = parse_vote(t[VOTE .. uid])
    redis.call('HSETNX', KEY.userKeys(uid), kgen, keys[tostring(uid)])
  end
  redis.call('HSET', tkey, TF.used, table.concat(voters, ' '), TF.need, need)
  t[TF.used], t[TF.need] = table.concat(voters, ' '), tostring(need)
  finish_token(tkey, t, STATUS.CONSUMED, nil)
  t[TF.status] = STATUS.CONSUMED
  audit('token.consumed', { id = t.id, approvals = voters })
  audit('token.breakglass.reviewed', { id = t[TF.reviewOf], review = t.id, approvals = voters })
end

-- A review token rejected, or past its window unapproved (`outcome`): every officer it names
-- (the break-glass token's approvers and requester) is locked for good, as a quorum decision
-- would lock them — sessions ended, no login until a quorum-approved password reset — and
-- every officer of the service's rules is told (breakglass.unreviewed).
local function review_failed(t, outcome)
  local locked = {}
  for uid in string.gmatch(t[TF.reviewLocks] or '', '%d+') do
    local ukey = KEY.user(uid)
    if redis.call('EXISTS', ukey) == 1 then
      redis.call('HSET', ukey, 'lockedUntil', 'forever')
      redis.call('HINCRBY', ukey, 'sgen', 1)
      locked[#locked + 1] = tonumber(uid)
    end
  end
  local service = t[TF.governingServices] or ''
  local data = { id = t[TF.reviewOf], review = t.id, service = service, outcome = outcome, locked = locked }
  audit('token.breakglass.unreviewed', data)
  announce(t[TF.reviewOf] or t.id, 'breakglass.unreviewed', current_policy(service) or { rules = { { group = BUILTIN_GROUP, m = 1 } } }, data)
end
