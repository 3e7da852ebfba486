-- Who is asked to approve a token (the fan-out): every key holder who may approve it —
-- not the requester, nor the owner of the API key that asked, when requesters may not
-- approve — and has a webhook to be asked at (the others find it in their pending list;
-- a job that notifies nobody is not made).
-- KEYS: token keyHolders
-- Reaches: the key holders' webhooks (whether they have one)
-- ARGV[5] '1' when the requester may approve
-- Returns the user ids, ascending (empty when there is no such token).
local t = load_token(key('token'))
if not t then return {} end
local out = {}
for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
  if may_approve(t, uid, ARGV[5] == '1') and redis.call('EXISTS', P .. 'webhook:' .. uid) == 1 then out[#out + 1] = tonumber(uid) end
end
table.sort(out)
return out
