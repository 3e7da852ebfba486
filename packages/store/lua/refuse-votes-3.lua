-- refuseVotes: records in the audit that a gate found votes whose signatures do not verify
-- over the token's bytes with the key their registration names (checked in Node). Such a
-- vote was written into Redis by other means than an approval: it never counts (check_gate
-- counts only verified votes). Changes nothing but the audit.
-- KEYS: token audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: ...refused
--   `refused` pairs: voter's user id, SHA-1 (hex) of the vote record that did not verify
-- Returns: how many refusals it recorded (a vote rewritten since is not blamed).
local tkey = key('token')
if redis.call('EXISTS', tkey) == 0 then return 0 end
local id = token_id(tkey)
local recorded = 0
for i = 1, #A.refused - 1, 2 do
  local uid, digest = A.refused[i], A.refused[i + 1]
  local value = redis.call('HGET', tkey, VOTE .. uid)
  if value and redis.sha1hex(value) == digest then
    audit('token.vote_refused', { id = id, user = tonumber(uid), reason = 'the signature does not verify with the key its registration names' })
    recorded = recorded + 1
  end
end
return recorded
