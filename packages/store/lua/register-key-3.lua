-- registerQuorumPubKey: consumes the challenge the key's signature answered and sets the
-- CO's key. A key is registered to at most one user. Each registration is a new
-- generation: votes made under an earlier one (even with the same key) stop counting,
-- tokens they carried drop back to PENDING, and the CO cannot vote again on them.
-- Registering the key one holds already changes nothing.
-- KEYS[1] challenge key   KEYS[2] user key   KEYS[3] key holders set
-- ARGV[5] user id   ARGV[6] challenge value the signature was checked against
-- ARGV[7] fingerprint   ARGV[8] public key PEM
local uid = ARGV[5]
if redis.call('GET', KEYS[1]) ~= ARGV[6] then
  return fail('RET_CHALLENGE_INVALID', 'The challenge is unknown, used or expired')
end
if redis.call('HGET', KEYS[2], 'type') ~= 'CO' then
  return fail('RET_FORBIDDEN', 'Only crypto officers hold quorum keys')
end
local owner = redis.call('HGET', P .. 'keyowners', ARGV[7])
if owner and owner ~= uid then
  return fail('RET_KEY_IN_USE', 'This public key is registered to another user; each officer needs a key of its own')
end
redis.call('DEL', KEYS[1])
local old = redis.call('HGET', KEYS[2], 'fp')
if old == ARGV[7] then
  audit('quorum_key.registered', { userId = tonumber(uid), fingerprint = ARGV[7], replaced = false, unchanged = true })
  return 1
end
if old then redis.call('HDEL', P .. 'keyowners', old) end
local kgen = redis.call('HINCRBY', KEYS[2], 'kgen', 1)
redis.call('HSET', KEYS[2], 'fp', ARGV[7], 'keyAt', NOW)
redis.call('HSET', P .. 'keyowners', ARGV[7], uid)
redis.call('SET', P .. 'qkey:' .. ARGV[7], ARGV[8])
redis.call('SADD', KEYS[3], uid)
if old then reopen_tokens_voted_by(uid) end
audit('quorum_key.registered', { userId = tonumber(uid), fingerprint = ARGV[7], replaced = old or false, generation = kgen })
return 1
