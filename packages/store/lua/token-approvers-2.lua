-- Who can still approve a token: every key holder who may approve it (not the requester, nor
-- the owner of the API key that asked, when requesters may not approve), has not approved or
-- rejected it, and is not locked for good. A token no longer waiting for approvals
-- (decided, ended, expired) has nobody. What a refusal of the quorum gate tells its requester.
-- KEYS: token keyHolders
-- Reaches: user group officers service keyHolders — the key holders' hashes (names, locks)
-- ARGV: requesterMayApprove
--   `requesterMayApprove` '1' when the requester may approve
-- Returns: a flat list: user id, name, ... (ids ascending).
local t = load_token(key('token'))
if not t or effective_status(t) ~= STATUS.PENDING then return {} end
local may = A.requesterMayApprove == '1'
local ids = {}
for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
  if not t[VOTE .. uid] and not t[REJECTION .. uid] and may_approve(t, uid, may) and may_help(t, uid, may) and lock_state(uid) ~= 'forever' then ids[#ids + 1] = tonumber(uid) end
end
table.sort(ids)
local out = {}
for _, uid in ipairs(ids) do
  out[#out + 1] = uid
  out[#out + 1] = redis.call('HGET', KEY.user(uid), 'name') or ''
end
return out
