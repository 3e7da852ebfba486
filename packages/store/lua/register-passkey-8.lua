-- registerPasskey: consumes the registration challenge the WebAuthn response answered (checked
-- against it before this runs) and adds the passkey to the officer's own. A credential is
-- registered to at most one user; an officer holds at most 16 passkeys. An officer that holds
-- passkeys adds another only with a confirmation by one of them (a phished password alone adds none).
-- KEYS: challenge user userPasskeys userPasskeyCounters passkeyHolders passkeyCredentials audit auditHead
-- Reaches: challenge — the confirmation's one-time challenge
-- ARGV: userId challenge passkeyId credentialId record counter name algorithm confirmChallenge confirmPasskeyId confirmCounter
--   `record` the passkey as stored (JSON)   `counter` the signature counter the registration carried
--   `confirmChallenge` `confirmPasskeyId` `confirmCounter` the confirming assertion's challenge, passkey and counter ('' for none)
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
if redis.call('GET', key('challenge')) ~= A.challenge then
  return fail('RET_CHALLENGE_INVALID', 'The passkey registration challenge is unknown, used or expired: ask for new options')
end
if redis.call('HGET', key('user'), 'type') ~= 'CO' then
  return fail('RET_FORBIDDEN', 'Only crypto officers register passkeys')
end
local owner = redis.call('HGET', key('passkeyCredentials'), A.credentialId)
if owner then
  return fail('RET_KEY_IN_USE', owner == uid and 'This passkey is registered already' or 'This passkey is registered to another user')
end
local unconfirmed = confirmation_refusal(uid)
if unconfirmed then return unconfirmed end
if redis.call('HLEN', key('userPasskeys')) >= 16 then
  return fail('RET_BAD_REQUEST', 'An officer holds at most 16 passkeys: delete one first')
end
use_confirmation(uid)
redis.call('DEL', key('challenge'))
redis.call('HSET', key('userPasskeys'), A.passkeyId, A.record)
redis.call('HSET', key('userPasskeyCounters'), A.passkeyId, A.counter)
redis.call('HSET', key('passkeyCredentials'), A.credentialId, uid)
redis.call('SADD', key('passkeyHolders'), uid)
audit('passkey.registered', { userId = tonumber(uid), passkeyId = A.passkeyId, name = A.name, credentialId = A.credentialId, algorithm = A.algorithm })
return 1
