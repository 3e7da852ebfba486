-- The sealer's lease: one sealer works at a time across all replicas. Takes the lease
-- when it is free or already ours, and extends it.
-- KEYS: auditSealer
-- Reaches: nothing — only the keys it is handed
-- ARGV[5] the sealer's id   ARGV[6] lease, ms
-- Returns: 1 when the caller holds the lease, 0 otherwise.
local holder = redis.call('GET', key('auditSealer'))
if holder and holder ~= ARGV[5] then return 0 end
redis.call('SET', key('auditSealer'), ARGV[5], 'PX', tonumber(ARGV[6]))
return 1
