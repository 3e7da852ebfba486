-- Stores a signed checkpoint of the sealed head (the lease holder only). What to sign is the
-- sealer's own decision, from its own state: this list is not compared with (whoever writes
-- Redis could push a fake far ahead and stop all signing).
-- The audit public key is published once; a sealer holding another key does not sign.
-- KEYS: auditSealer auditCheckpoints auditPublicKey
-- Reaches: nothing — only the keys it is handed
-- ARGV: sealerId checkpoint seq publicKeyPem
--   `sealerId` the sealer's id   `checkpoint` checkpoint JSON {"seq","hash","at","signature"}   `seq` its seq
--   `publicKeyPem` the sealer's public key (PEM)
-- Returns: 1 when stored.
if redis.call('GET', key('auditSealer')) ~= A.sealerId then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
redis.call('SETNX', key('auditPublicKey'), A.publicKeyPem)
if redis.call('GET', key('auditPublicKey')) ~= A.publicKeyPem then
  return fail('RET_FORBIDDEN', 'This sealer holds another audit key than the one this deployment publishes')
end
redis.call('RPUSH', key('auditCheckpoints'), A.checkpoint)
return 1
