-- deletePasskey: removes one of the officer's passkeys (its password was checked before this
-- runs). Its last passkey is not removed while a custom service's policy requiring passkeys
-- could not be satisfied without it (the lock-out guard), unless nothing requires one.
-- KEYS: userPasskeys userPasskeyCounters passkeyHolders passkeyCredentials audit auditHead
-- Reaches: customServices service keyHolders user group officers — the custom services' policies, the key holders (locks) and the groups' members
-- ARGV: userId passkeyId requesterMayApprove
-- Returns: 1
local uid = A.userId
local text = redis.call('HGET', key('userPasskeys'), A.passkeyId)
if not text then return fail('RET_NOT_FOUND', 'No such passkey of this officer') end
local record = cjson.decode(text)
if redis.call('HLEN', key('userPasskeys')) == 1 then
  -- Its last one: the officer no longer counts for a policy that requires passkeys.
  local holders = {}
  for _, holder in ipairs(redis.call('SMEMBERS', key('passkeyHolders'))) do holders[holder] = true end
  approver_filter = holders
  for _, service in ipairs(custom_services()) do
    local policy = current_policy(service)
    if policy and policy.requirePasskey then
      local err = check_policy_reachable(service, policy, A.requesterMayApprove == '1', false, uid)
      if err then return err end
    end
  end
  redis.call('SREM', key('passkeyHolders'), uid)
end
redis.call('HDEL', key('userPasskeys'), A.passkeyId)
redis.call('HDEL', key('userPasskeyCounters'), A.passkeyId)
if redis.call('HGET', key('passkeyCredentials'), record.credentialId) == uid then redis.call('HDEL', key('passkeyCredentials'), record.credentialId) end
audit('passkey.deleted', { userId = tonumber(uid), passkeyId = A.passkeyId, name = record.name, credentialId = record.credentialId })
return 1
