-- Adds the next entries to the audit log's Merkle tree, kept in tiles: of the complete
-- subtrees they finish, computed by the sealer in sequence order (leaf hash SHA-256(0x00 ||
-- text), node hash SHA-256(0x01 || left || right)), the hashes of those at the kept levels
-- (`height`, 2·`height`, …), appended back to back in the order they are completed to the
-- tree's strings, `chunk` hashes each. Only the lease holder grows it, only from its current
-- size, never past the sealed chain, and only where the strings end, so no hash is written
-- twice or out of place. A tree kept in another layout (`treeHeight` not `height`: every
-- level, as before tiles) counts as empty: grown again from 0, it is dropped in that call.
-- KEYS: auditSealer auditSealed auditTokenEntries
-- Reaches: auditTree — the strings the new hashes go into (the one where the tree ends, and the next ones; all of a tree in another layout)
-- ARGV: sealerId treeSize newSize tokenEntries height firstIndex chunk hashes
--   `sealerId` the sealer's id   `treeSize` the tree's size the hashes continue from   `newSize` its size after
--   `tokenEntries` JSON {"<token id>": [seq, ...]}: the new token.approved and token.consumed entries, by token
--   `height` the tile height (levels kept: its multiples)
--   `firstIndex` where the first new hash goes (the kept hash count of `treeSize`)   `chunk` hashes per string
--   `hashes` the new hashes, 32 raw bytes each, concatenated in storage order (may be empty)
-- Returns: the tree's size after, or an error when the lease or the position is not the caller's.
if redis.call('GET', key('auditSealer')) ~= A.sealerId then return fail('RET_STORE_UNAVAILABLE', 'The audit sealer lease is held by another sealer') end
local stored = redis.call('HMGET', key('auditSealed'), 'tree', 'treeHeight', 'seq')
local same = stored[2] == A.height
local size = same and tonumber(stored[1] or '0') or 0
if size ~= tonumber(A.treeSize) then return fail('RET_STORE_UNAVAILABLE', 'The audit tree was grown to ' .. size .. ' meanwhile') end
local sealed = tonumber(stored[3] or '0')
local new_size = tonumber(A.newSize)
if new_size > sealed then return fail('RET_STORE_UNAVAILABLE', 'Growing the audit tree past the sealed chain') end
local per = tonumber(A.chunk)
local count = #A.hashes / 32
-- A tree in another layout: all its strings go, and the new hashes start the first one.
local drop = {}
if not same then
  if tonumber(A.firstIndex) ~= 0 then return fail('RET_STORE_UNAVAILABLE', 'The audit tree storage does not end where its size says') end
  local c = 0
  while redis.call('EXISTS', KEY.auditTree(c)) == 1 do
    drop[#drop + 1] = KEY.auditTree(c)
    c = c + 1
  end
end
-- Every string written must end exactly where its first new hash goes: checked for all before any write.
local plan = {}
local at = tonumber(A.firstIndex)
local left = count
while left > 0 do
  local c = math.floor(at / per)
  local within = at - c * per
  local n = math.min(per - within, left)
  local k = KEY.auditTree(c)
  local length = same and redis.call('STRLEN', k) or 0
  if length ~= within * 32 then return fail('RET_STORE_UNAVAILABLE', 'The audit tree storage does not end where its size says') end
  plan[#plan + 1] = { k, n }
  at = at + n
  left = left - n
end
for _, k in ipairs(drop) do redis.call('UNLINK', k) end
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
redis.call('HSET', key('auditSealed'), 'tree', new_size, 'treeHeight', A.height)
return new_size
