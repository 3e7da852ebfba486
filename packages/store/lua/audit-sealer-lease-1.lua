-- The sealer's lease: one sealer works at a time across all replicas. Takes the lease
-- when it is free or already ours, and extends it.
-- KEYS: auditSealer
-- Reaches: nothing — only the keys it is handed
-- ARGV: sealerId leaseMs
--   `sealerId` the sealer's id   `leaseMs` lease, ms
-- Returns: 1 when the caller holds the lease, 0 otherwise.
local holder = redis.call('GET', key('auditSealer'))
if holder and holder ~= A.sealerId then return 0 end
redis.call('SET', key('auditSealer'), A.sealerId, 'PX', tonumber(A.leaseMs))
return 1
