-- Stores a signed checkpoint of the sealed head (the lease holder only). What to sign is the
-- sealer's own decision, from its own state: this list is not compared with (whoever writes
-- Redis could push a fake far ahead and stop all signing).
-- The audit public key is published once; a sealer holding another key does not sign.
-- KEYS: auditSealer auditCheckpoints auditPublicKey
-- Reaches: nothing — only the keys it is handed
-- ARGV[5] the sealer's id   ARGV[6] checkpoint JSON {"seq","hash","at","signature"}   ARGV[7] its seq
-- ARGV[8] the sealer's public key (PEM)
-- Returns: 1 when stored.
if redis.call('GET', key('auditSealer')) ~= ARGV[5] then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
redis.call('SETNX', key('auditPublicKey'), ARGV[8])
if redis.call('GET', key('auditPublicKey')) ~= ARGV[8] then
  return fail('RET_FORBIDDEN', 'This sealer holds another audit key than the one this deployment publishes')
end
redis.call('RPUSH', key('auditCheckpoints'), ARGV[6])
return 1
