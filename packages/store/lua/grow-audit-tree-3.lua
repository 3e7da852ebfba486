-- Adds the next entries to the audit log's Merkle tree: their leaf hashes and the complete
-- subtrees they finish, computed by the sealer in sequence order (leaf hash SHA-256(0x00 ||
-- text), node hash SHA-256(0x01 || left || right)), appended back to back in the order they
-- are completed (Go sumdb/tlog's storage order) to the tree's strings, `chunk` hashes each.
-- Only the lease holder grows it, only from its current size, never past the sealed chain,
-- and only where the strings end, so no hash is written twice or out of place.
-- KEYS: auditSealer auditSealed auditTokenEntries
-- Reaches: auditTree — the strings the new hashes go into (the one where the tree ends, and the next ones)
-- ARGV: sealerId treeSize newSize tokenEntries firstIndex chunk hashes
--   `sealerId` the sealer's id   `treeSize` the tree's size the hashes continue from   `newSize` its size after
--   `tokenEntries` JSON {"<token id>": [seq, ...]}: the new token.approved and token.consumed entries, by token
--   `firstIndex` where the first new hash goes (the stored hash count of `treeSize`)   `chunk` hashes per string
--   `hashes` the new hashes, 32 raw bytes each, concatenated in storage order
-- Returns: the tree's size after, or an error when the lease or the position is not the caller's.
if redis.call('GET', key('auditSealer')) ~= A.sealerId then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
local size = tonumber(redis.call('HGET', key('auditSealed'), 'tree') or '0')
if size ~= tonumber(A.treeSize) then return fail('RET_STORE_UNAVAILABLE', 'The audit tree was grown to ' .. size .. ' meanwhile') end
local sealed = tonumber(redis.call('HGET', key('auditSealed'), 'seq') or '0')
local new_size = tonumber(A.newSize)
if new_size > sealed then return fail('RET_STORE_UNAVAILABLE', 'Growing the audit tree past the sealed chain') end
local per = tonumber(A.chunk)
local count = #A.hashes / 32
-- Every string written must end exactly where its first new hash goes: checked for all before any write.
local plan = {}
local at = tonumber(A.firstIndex)
local left = count
while left > 0 do
  local c = math.floor(at / per)
  local within = at - c * per
  local n = math.min(per - within, left)
  local k = KEY.auditTree(c)
  if redis.call('STRLEN', k) ~= within * 32 then return fail('RET_STORE_UNAVAILABLE', 'The audit tree storage does not end where its size says') end
  plan[#plan + 1] = { k, n }
  at = at + n
  left = left - n
end
local off = 1
for _, step in ipairs(plan) do
  redis.call('APPEND', step[1], string.sub(A.hashes, off, off + step[2] * 32 - 1))
  off = off + step[2] * 32
end
for id, seqs in pairs(cjson.decode(A.tokenEntries)) do
  local had = redis.call('HGET', key('auditTokenEntries'), id)
  local list = table.concat(seqs, ' ')
  redis.call('HSET', key('auditTokenEntries'), id, had and (had .. ' ' .. list) or list)
end
redis.call('HSET', key('auditSealed'), 'tree', new_size)
return new_size
