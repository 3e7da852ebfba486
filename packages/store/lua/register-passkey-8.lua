-- registerPasskey: consumes the registration challenge the WebAuthn response answered (checked
-- against it before this runs) and adds the passkey to the officer's own. A credential is
-- registered to at most one user; an officer holds at most 16 passkeys.
-- KEYS: challenge user userPasskeys userPasskeyCounters passkeyHolders passkeyCredentials audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: userId challenge passkeyId credentialId record counter name algorithm
--   `record` the passkey as stored (JSON)   `counter` the signature counter the registration carried
-- Returns: 1
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
if redis.call('HLEN', key('userPasskeys')) >= 16 then
  return fail('RET_BAD_REQUEST', 'An officer holds at most 16 passkeys: delete one first')
end
redis.call('DEL', key('challenge'))
redis.call('HSET', key('userPasskeys'), A.passkeyId, A.record)
redis.call('HSET', key('userPasskeyCounters'), A.passkeyId, A.counter)
redis.call('HSET', key('passkeyCredentials'), A.credentialId, uid)
redis.call('SADD', key('passkeyHolders'), uid)
audit('passkey.registered', { userId = tonumber(uid), passkeyId = A.passkeyId, name = A.name, credentialId = A.credentialId, algorithm = A.algorithm })
return 1
