-- registerQuorumPubKey: consumes the challenge the key's signature answered and sets the
-- CO's key. A key is registered to at most one user. Each registration is a new
-- generation: votes made under an earlier one (even with the same key) stop counting,
-- tokens they carried drop back to PENDING, and the CO cannot vote again on them.
-- Registering the key one holds already changes nothing.
-- KEYS: challenge user keyHolders keyOwners quorumKey userVotes mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user webhook group keyHolders officers service — the tokens the CO voted on and their voters
-- ARGV: userId challenge fingerprint publicKeyPem requesterMayApprove
--   `userId` user id   `challenge` challenge value the signature was checked against
--   `fingerprint` fingerprint   `publicKeyPem` public key PEM   `requesterMayApprove` '1' when the requester may approve
-- Returns: 1
local uid = A.userId
if redis.call('GET', key('challenge')) ~= A.challenge then
  return fail('RET_CHALLENGE_INVALID', 'The challenge is unknown, used or expired')
end
if redis.call('HGET', key('user'), 'type') ~= 'CO' then
  return fail('RET_FORBIDDEN', 'Only crypto officers hold quorum keys')
end
if key_of_another(A.fingerprint, uid) then
  return fail('RET_KEY_IN_USE', 'This public key is registered to another user; each officer needs a key of its own')
end
redis.call('DEL', key('challenge'))
local old = redis.call('HGET', key('user'), 'fp')
if old == A.fingerprint then
  audit('quorum_key.registered', { userId = tonumber(uid), fingerprint = A.fingerprint, replaced = false, unchanged = true })
  return 1
end
if old then redis.call('HDEL', key('keyOwners'), old) end
local kgen = redis.call('HINCRBY', key('user'), 'kgen', 1)
redis.call('HSET', key('user'), 'fp', A.fingerprint, 'keyAt', NOW)
redis.call('HSET', key('keyOwners'), A.fingerprint, uid)
redis.call('SET', key('quorumKey'), A.publicKeyPem)
redis.call('SADD', key('keyHolders'), uid)
if old then reopen_tokens_voted_by(uid, A.requesterMayApprove == '1') end
audit('quorum_key.registered', { userId = tonumber(uid), fingerprint = A.fingerprint, replaced = old or false, generation = kgen })
return 1
