-- Included by every script: a token finished, or sent back to PENDING when its votes fall short.

-- Moves a token to a terminal state and drops it from every live index.
local function finish_token(tkey, t, status, retention_ms)
  redis.call('HSET', tkey, TF.status, status, TF.finishedAt, NOW)
  -- A finished token's expiry is in its bytes; the hash field only served the live checks.
  redis.call('HDEL', tkey, TF.expiresAt)
  redis.call('ZREM', key('openTokens'), t.id)
  redis.call('ZREM', key('approvedTokens'), t.id)
  for field in pairs(t) do
    if is_vote_field(field) then
      redis.call('SREM', KEY.userVotes(string.sub(field, #VOTE + 1)), t.id)
    end
  end
  if retention_ms and retention_ms > 0 then
    redis.call('PEXPIRE', tkey, retention_ms)
  end
  publish_status(t.id, status, t)
end

-- An APPROVED token whose counting votes fell below what it needs goes back to PENDING.
local function reopen_if_short(id, reason, data, requester_may_approve)
  local tkey = KEY.token(id)
  local t = load_token(tkey)
  if not t or t[TF.status] ~= STATUS.APPROVED then
    redis.call('ZREM', key('approvedTokens'), id)
    return
  end
  local voters = counting_voters(t, requester_may_approve)
  local have, need = #voters, required(t)
  if carried(t, voters, need, requester_may_approve) then return end
  redis.call('HSET', tkey, TF.status, STATUS.PENDING)
  redis.call('HDEL', tkey, TF.approvedAt, TF.approvedUntil)
  local round = redis.call('HINCRBY', tkey, TF.round, 1)
  redis.call('ZREM', key('approvedTokens'), id)
  redis.call('ZADD', key('openTokens'), t[TF.expiresAt], id)
  data.id, data.reason, data.approvals, data.required = id, reason, have, need
  audit('token.reopened', data)
  publish_status(id, STATUS.PENDING, nil, round)
end

-- After a CO's key changed or the CO was deleted (the user the script declares as
-- userVotes): every APPROVED token that its votes carried and that is now short goes back
-- to PENDING.
local function reopen_tokens_voted_by(uid, requester_may_approve)
  for _, id in ipairs(redis.call('SMEMBERS', key('userVotes'))) do
    reopen_if_short(id, 'approvals stopped counting', { userId = tonumber(uid) }, requester_may_approve)
  end
end

-- After a policy or a group changed (`reason`, `data` say which): every APPROVED token its
-- policies no longer carry goes back to PENDING (a token of built-in services only is unchanged).
local function reopen_tokens_not_carried(reason, data, requester_may_approve)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', key('approvedTokens'), '(' .. NOW, '+inf')) do
    local copy = {}
    for k, v in pairs(data) do copy[k] = v end
    reopen_if_short(id, reason, copy, requester_may_approve)
  end
end

-- After an M was raised: every APPROVED token below its new bar goes back to PENDING.
local function reopen_tokens_below_bar(requester_may_approve)
  -- (Tokens past their approved timeout stay in the index for the expiry sweep.)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', key('approvedTokens'), '(' .. NOW, '+inf')) do
    reopen_if_short(id, 'quorum raised', {}, requester_may_approve)
  end
end
