-- Stores witnesses' cosignature lines on the checkpoint of a size, as a witness answered
-- add-checkpoint (C2SP tlog-witness). Not checked here: a verifier checks a cosignature with
-- the witness key it pins, and ignores lines of keys it does not know. A line already stored
-- is not stored twice.
-- KEYS: auditCosignatures
-- Reaches: nothing — only the keys it is handed
-- ARGV: size lines
--   `size` the checkpoint's tree size   `lines` the signature lines, each ended by a newline
-- Returns: 1.
local had = redis.call('HGET', key('auditCosignatures'), A.size) or ''
local out = had
for line in string.gmatch(A.lines, '[^\n]+') do
  if string.find(had, line, 1, true) == nil then out = out .. line .. '\n' end
end
redis.call('HSET', key('auditCosignatures'), A.size, out)
return 1
