-- Records the chain's hashes of the next entries, computed by the sealer in sequence order.
-- Only the lease holder seals, and only right after the last sealed entry, so hashes are
-- never written twice or out of order.
-- KEYS: auditSealer auditSealed auditHashes auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: sealerId sealedSeq lastHash ...hashes
--   `sealerId` the sealer's id   `sealedSeq` the last sealed seq the hashes continue from
--   `lastHash` the last of the new hashes, hex   `hashes` the hashes of entries `sealedSeq`+1, `sealedSeq`+2, ... (32 raw bytes each)
-- Returns: the last sealed seq after, or an error when the lease or the position is not the caller's.
if redis.call('GET', key('auditSealer')) ~= A.sealerId then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
local sealed = tonumber(redis.call('HGET', key('auditSealed'), 'seq') or '0')
if sealed ~= tonumber(A.sealedSeq) then return fail('RET_STORE_UNAVAILABLE', 'The audit log was sealed to ' .. sealed .. ' meanwhile') end
local count = #A.hashes
if count == 0 then return sealed end
local head = tonumber(redis.call('HGET', key('auditHead'), 'seq') or '0')
if sealed + count > head then return fail('RET_STORE_UNAVAILABLE', 'Sealing past the head of the audit log') end
for _, hash in ipairs(A.hashes) do redis.call('RPUSH', key('auditHashes'), hash) end
redis.call('HSET', key('auditSealed'), 'seq', sealed + count, 'hash', A.lastHash)
return sealed + count
