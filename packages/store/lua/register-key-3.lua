-- registerQuorumPubKey: consumes the challenge the key's signature answered and sets the
-- CO's key. A replaced key's votes stop counting (SPEC 3): tokens they carried drop
-- back to PENDING, and the CO cannot vote again on them.
-- KEYS[1] challenge key   KEYS[2] user key   KEYS[3] key holders set
-- ARGV[5] user id   ARGV[6] challenge value the signature was checked against
-- ARGV[7] fingerprint   ARGV[8] public key PEM
if redis.call('GET', KEYS[1]) ~= ARGV[6] then
  return fail('RET_CHALLENGE_INVALID', 'The challenge is unknown, used or expired')
end
if redis.call('HGET', KEYS[2], 'type') ~= 'CO' then
  return fail('RET_FORBIDDEN', 'Only crypto officers hold quorum keys')
end
redis.call('DEL', KEYS[1])
local old = redis.call('HGET', KEYS[2], 'fp')
redis.call('HSET', KEYS[2], 'fp', ARGV[7], 'keyAt', NOW)
redis.call('SET', P .. 'qkey:' .. ARGV[7], ARGV[8])
redis.call('SADD', KEYS[3], ARGV[5])
if old and old ~= ARGV[7] then reopen_tokens_voted_by(ARGV[5]) end
audit('quorum_key.registered', { userId = tonumber(ARGV[5]), fingerprint = ARGV[7], replaced = old or false })
return 1
