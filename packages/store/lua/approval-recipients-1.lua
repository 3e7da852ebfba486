-- Who is asked to approve each of a batch of tokens (the fan-out): every key holder who may
-- approve it — not the requester, nor the owner of the API key that asked, when requesters
-- may not approve — and has a webhook to be asked at (the others find it in their pending
-- list; a job that notifies nobody is not made).
-- KEYS: keyHolders
-- Reaches: the tokens named in ARGV (their requester fields), the key holders' webhooks
-- ARGV[5] '1' when the requester may approve   ARGV[6..] token ids
-- Returns, for each token id in order, the user ids ascending (empty when there is no such token).
local asked = {}
for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
  if redis.call('EXISTS', P .. 'webhook:' .. uid) == 1 then asked[#asked + 1] = uid end
end
table.sort(asked, function(a, b) return tonumber(a) < tonumber(b) end)
local out = {}
for i = 6, #ARGV do
  local who = redis.call('HMGET', token_key(ARGV[i]), 'status', 'req', 'rqu')
  local ids = {}
  if who[1] then
    local t = { req = who[2] or nil, rqu = who[3] or nil }
    for _, uid in ipairs(asked) do
      if may_approve(t, uid, ARGV[5] == '1') then ids[#ids + 1] = tonumber(uid) end
    end
  end
  out[#out + 1] = ids
end
return out
