-- Records the chain's hashes of the next entries, computed by the sealer in sequence order.
-- Only the lease holder seals, and only right after the last sealed entry, so hashes are
-- never written twice or out of order.
-- KEYS: auditSealer auditSealed auditHashes auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV[5] the sealer's id   ARGV[6] the last sealed seq the hashes continue from
-- ARGV[7] the last of the new hashes, hex   ARGV[8..] the hashes of entries ARGV[6]+1, ARGV[6]+2, ... (32 raw bytes each)
-- Returns: the last sealed seq after, or an error when the lease or the position is not the caller's.
if redis.call('GET', key('auditSealer')) ~= ARGV[5] then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
local sealed = tonumber(redis.call('HGET', key('auditSealed'), 'seq') or '0')
if sealed ~= tonumber(ARGV[6]) then return fail('RET_STORE_UNAVAILABLE', 'The audit log was sealed to ' .. sealed .. ' meanwhile') end
local count = #ARGV - 7
if count == 0 then return sealed end
local head = tonumber(redis.call('HGET', key('auditHead'), 'seq') or '0')
if sealed + count > head then return fail('RET_STORE_UNAVAILABLE', 'Sealing past the head of the audit log') end
for i = 8, #ARGV do redis.call('RPUSH', key('auditHashes'), ARGV[i]) end
redis.call('HSET', key('auditSealed'), 'seq', sealed + count, 'hash', ARGV[7])
return sealed + count
