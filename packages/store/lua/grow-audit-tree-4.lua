-- Adds the next entries to the audit log's Merkle tree: the complete subtrees they finish,
-- computed by the sealer in sequence order (leaf hash SHA-256(0x00 || text), node hash
-- SHA-256(0x01 || left || right)). Only the lease holder grows it, only from its current
-- size and never past the sealed chain, so no subtree is written twice or out of order.
-- KEYS: auditSealer auditSealed auditTree auditTokenEntries
-- Reaches: nothing — only the keys it is handed
-- ARGV: sealerId treeSize newSize tokenEntries ...nodes
--   `sealerId` the sealer's id   `treeSize` the tree's size the nodes continue from   `newSize` its size after
--   `tokenEntries` JSON {"<token id>": [seq, ...]}: the new token.approved and token.consumed entries, by token
--   `nodes` pairs: the field `<level>/<index>`, then its 32 raw bytes
-- Returns: the tree's size after, or an error when the lease or the position is not the caller's.
if redis.call('GET', key('auditSealer')) ~= A.sealerId then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
local size = tonumber(redis.call('HGET', key('auditSealed'), 'tree') or '0')
if size ~= tonumber(A.treeSize) then return fail('RET_STORE_UNAVAILABLE', 'The audit tree was grown to ' .. size .. ' meanwhile') end
local sealed = tonumber(redis.call('HGET', key('auditSealed'), 'seq') or '0')
local new_size = tonumber(A.newSize)
if new_size > sealed then return fail('RET_STORE_UNAVAILABLE', 'Growing the audit tree past the sealed chain') end
for i = 1, #A.nodes, 2 do redis.call('HSET', key('auditTree'), A.nodes[i], A.nodes[i + 1]) end
for id, seqs in pairs(cjson.decode(A.tokenEntries)) do
  local had = redis.call('HGET', key('auditTokenEntries'), id)
  local list = table.concat(seqs, ' ')
  redis.call('HSET', key('auditTokenEntries'), id, had and (had .. ' ' .. list) or list)
end
redis.call('HSET', key('auditSealed'), 'tree', new_size)
return new_size
