-- deleteUser, behind its quorum gate (PROTECTED.deleteUser); consumes the token with the change.
-- The deleted user's sessions and API keys end with it; a CO's votes stop counting and
-- tokens they carried go back to PENDING. Deleting a key-holding CO runs the lock-out
-- guard: it is refused when a service's M would be above the officers left who could
-- approve, or a custom service's policy unsatisfiable by them, unless the signed operation
-- says force; a forced deletion of an officer is held to the policy of every custom service
-- whose rules count it as well. The user leaves every group it was in.
-- KEYS: user usersByName users officers keyHolders keyOwners userApiKeys userVotes apiKeys gateToken mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: apiKey events token user userKeys userVotes webhook notifications notificationLog group officers service customServices groups keyHolders userPasskeys userPasskeyCounters passkeyHolders passkeyCredentials — the user's passkeys; the user's API keys, webhook and notification channels; the tokens it voted on and their voters; the key holders' hashes (locks); the gate token's voters' key history; the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV: requester operationDigest issuer requesterMayApprove userId retentionMs force verified
--   `retentionMs` retention of finished tokens, ms   `force` '1' when the operation says force
-- Returns: 1
local uid = A.userId
local may = A.requesterMayApprove == '1'
-- Forced past the lock-out guard: every service's M.
local required_m = m_value(PROTECTED.deleteUser)
if A.force == '1' then required_m = max_m_all() end
local err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.deleteUser, A.operationDigest, A.issuer, required_m, may, A.verified)
if err then return err end
local user = hash_to_table(redis.call('HGETALL', key('user')))
if not user.id then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. uid) end
-- Forced past the lock-out guard, the deletion of an officer takes its place away from every
-- custom service whose rules count it: held to those policies too (a policy the officers
-- holding keys can no longer satisfy is passed over, the way out of a lock-out), so that a
-- quorum of the built-in Ms alone cannot empty a group and then, with a forced setGroup past
-- the policy it left unsatisfiable, hand the service's votes to whom it chooses.
if A.force == '1' and user.type == 'CO' then
  err = check_gate_policies(gate, policies_counting(uid), may, true)
  if err then return err end
end
if user.type == 'CO' then
  if redis.call('SCARD', key('officers')) <= 1 then return fail('RET_FORBIDDEN', 'The last crypto officer cannot be deleted') end
  if redis.call('SISMEMBER', key('keyHolders'), uid) == 1 then
    local left = eligible_approvers(may, uid)
    for _, service in ipairs(SERVICES) do
      err = check_reachable(service, m_value(service), left, A.force == '1')
      if err then return err end
    end
    -- And every custom service's policy, without this officer.
    -- (One requiring passkeys: counting only the officers who hold one.)
    local holders = {}
    for _, holder in ipairs(redis.call('SMEMBERS', KEY.passkeyHolders())) do holders[holder] = true end
    for _, service in ipairs(custom_services()) do
      local policy = current_policy(service)
      approver_filter = policy.requirePasskey and holders or nil
      err = check_policy_reachable(service, policy, may, A.force == '1', uid)
      approver_filter = nil
      if err then return err end
    end
  end
end
commit_gate(gate, tonumber(A.retentionMs))
redis.call('DEL', key('user'))
redis.call('HDEL', key('usersByName'), string.lower(user.name))
redis.call('ZREM', key('users'), uid)
redis.call('SREM', key('officers'), uid)
redis.call('SREM', key('keyHolders'), uid)
if user.fp and redis.call('HGET', key('keyOwners'), user.fp) == uid then
  redis.call('HDEL', key('keyOwners'), user.fp)
end
local keys = redis.call('SMEMBERS', key('userApiKeys'))
for _, kid in ipairs(keys) do
  redis.call('DEL', KEY.apiKey(kid))
  redis.call('ZREM', key('apiKeys'), kid)
end
redis.call('DEL', key('userApiKeys'))
-- A deleted officer leaves every group it was in (each such group's version moves on).
for _, group in ipairs(redis.call('HKEYS', KEY.groups())) do
  if redis.call('SREM', KEY.group(group), uid) == 1 then redis.call('HINCRBY', KEY.groups(), group, 1) end
end
-- Its passkeys go with it.
for _, text in ipairs(redis.call('HVALS', KEY.userPasskeys(uid))) do
  local credential = cjson.decode(text).credentialId
  if redis.call('HGET', KEY.passkeyCredentials(), credential) == uid then redis.call('HDEL', KEY.passkeyCredentials(), credential) end
end
redis.call('DEL', KEY.userPasskeys(uid), KEY.userPasskeyCounters(uid))
redis.call('SREM', KEY.passkeyHolders(), uid)
-- A deleted officer hears nothing more (not even how the tokens it asked for end).
redis.call('DEL', KEY.webhook(uid), KEY.notifications(uid), KEY.notificationLog(uid))
reopen_tokens_voted_by(uid, may)
redis.call('DEL', key('userVotes'))
audit('user.deleted', { id = tonumber(uid), name = user.name, type = user.type, apiKeysRevoked = #keys })
return 1
