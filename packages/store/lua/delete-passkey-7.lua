-- deletePasskey: removes one of the officer's passkeys (its password was checked before this
-- runs). Its last passkey is not removed while a custom service's policy requiring passkeys
-- could not be satisfied without it (the lock-out guard), unless nothing requires one. It is
-- confirmed by one of the officer's passkeys (the one it deletes, or another).
-- KEYS: userPasskeys userPasskeyCounters passkeyHolders passkeyCredentials mValues audit auditHead
-- Reaches: challenge customServices service keyHolders user group officers — the confirmation's one-time challenge; the custom services' policies, the key holders (locks) and the groups' members
-- ARGV: userId passkeyId requesterMayApprove confirmChallenge confirmPasskeyId confirmCounter
-- Returns: 1
-- An officer holding passkeys confirms a change to them with one (verified before this runs,
-- against the one-time challenge of POST .../passkeys/confirmation-options): its counter is
-- checked again (here) and moved on, and the challenge used up (use_confirmation), in this step.
local function confirmation_refusal(uid)
  if redis.call('HLEN', key('userPasskeys')) == 0 then return nil end
  if A.confirmPasskeyId == '' then
    return fail('RET_PASSKEY_REQUIRED', 'Confirm with one of your passkeys: an officer holding passkeys changes them only with one')
  end
  local ckey = KEY.challenge('passkey-confirm:' .. uid)
  if redis.call('GET', ckey) ~= A.confirmChallenge then
    return fail('RET_CHALLENGE_INVALID', 'The passkey confirmation challenge is unknown, used or expired: ask for new confirmation options')
  end
  if redis.call('HEXISTS', key('userPasskeys'), A.confirmPasskeyId) == 0 then return fail('RET_PASSKEY_INVALID', 'The confirming passkey is gone') end
  local stored = tonumber(redis.call('HGET', key('userPasskeyCounters'), A.confirmPasskeyId) or '0')
  local counter = tonumber(A.confirmCounter)
  if (counter > 0 or stored > 0) and counter <= stored then
    return fail('RET_PASSKEY_INVALID', 'The passkey signature counter did not move forward: a replayed or cloned authenticator')
  end
  return nil
end

local function use_confirmation(uid)
  if A.confirmPasskeyId == '' then return end
  redis.call('DEL', KEY.challenge('passkey-confirm:' .. uid))
  redis.call('HSET', key('userPasskeyCounters'), A.confirmPasskeyId, A.confirmCounter)
end
local uid = A.userId
local text = redis.call('HGET', key('userPasskeys'), A.passkeyId)
if not text then return fail('RET_NOT_FOUND', 'No such passkey of this officer') end
local record = cjson.decode(text)
local unconfirmed = confirmation_refusal(uid)
if unconfirmed then return unconfirmed end
if redis.call('HLEN', key('userPasskeys')) == 1 then
  -- Its last one: the officer no longer counts for a policy that requires passkeys.
  local holders = {}
  for _, holder in ipairs(redis.call('SMEMBERS', key('passkeyHolders'))) do holders[holder] = true end
  approver_filter = holders
  -- (A built-in service requiring passkeys: its M of every officer.)
  for _, service in ipairs(SERVICES) do
    if redis.call('HGET', KEY.service(service), SVF.requirePasskey) == '1' then
      local err = check_policy_reachable(service, { rules = { { group = BUILTIN_GROUP, m = m_value(service) } } }, A.requesterMayApprove == '1', false, uid)
      if err then return err end
    end
  end
  for _, service in ipairs(custom_services()) do
    local policy = current_policy(service)
    if policy and policy.requirePasskey then
      local err = check_policy_reachable(service, policy, A.requesterMayApprove == '1', false, uid)
      if err then return err end
    end
  end
  redis.call('SREM', key('passkeyHolders'), uid)
end
use_confirmation(uid)
redis.call('HDEL', key('userPasskeys'), A.passkeyId)
redis.call('HDEL', key('userPasskeyCounters'), A.passkeyId)
if redis.call('HGET', key('passkeyCredentials'), record.credentialId) == uid then redis.call('HDEL', key('passkeyCredentials'), record.credentialId) end
audit('passkey.deleted', { userId = tonumber(uid), passkeyId = A.passkeyId, name = record.name, credentialId = record.credentialId })
return 1
