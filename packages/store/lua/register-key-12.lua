-- registerQuorumPubKey: consumes the challenge the key's signature answered and sets the
-- CO's key. A key is registered to at most one user. Each registration is a new
-- generation: votes made under an earlier one (even with the same key) stop counting,
-- tokens they carried drop back to PENDING, and the CO cannot vote again on them.
-- Registering the key one holds already changes nothing.
-- KEYS: challenge user keyHolders keyOwners quorumKey userVotes mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: events token user webhook group officers service keyHolders — the tokens the CO voted on and their voters
-- ARGV[5] user id   ARGV[6] challenge value the signature was checked against
-- ARGV[7] fingerprint   ARGV[8] public key PEM   ARGV[9] '1' when the requester may approve
-- Returns: 1
local uid = ARGV[5]
if redis.call('GET', key('challenge')) ~= ARGV[6] then
  return fail('RET_CHALLENGE_INVALID', 'The challenge is unknown, used or expired')
end
if redis.call('HGET', key('user'), 'type') ~= 'CO' then
  return fail('RET_FORBIDDEN', 'Only crypto officers hold quorum keys')
end
if key_of_another(ARGV[7], uid) then
  return fail('RET_KEY_IN_USE', 'This public key is registered to another user; each officer needs a key of its own')
end
redis.call('DEL', key('challenge'))
local old = redis.call('HGET', key('user'), 'fp')
if old == ARGV[7] then
  audit('quorum_key.registered', { userId = tonumber(uid), fingerprint = ARGV[7], replaced = false, unchanged = true })
  return 1
end
if old then redis.call('HDEL', key('keyOwners'), old) end
local kgen = redis.call('HINCRBY', key('user'), 'kgen', 1)
redis.call('HSET', key('user'), 'fp', ARGV[7], 'keyAt', NOW)
redis.call('HSET', key('keyOwners'), ARGV[7], uid)
redis.call('SET', key('quorumKey'), ARGV[8])
redis.call('SADD', key('keyHolders'), uid)
if old then reopen_tokens_voted_by(uid, ARGV[9] == '1') end
audit('quorum_key.registered', { userId = tonumber(uid), fingerprint = ARGV[7], replaced = old or false, generation = kgen })
return 1
