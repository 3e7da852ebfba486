-- Who is asked to approve each of a batch of tokens (the fan-out of a new or reopened token):
-- every key holder who may approve it — not the requester, nor the owner of the API key that
-- asked, when requesters may not approve — has not approved or rejected it yet, and has a
-- webhook to be asked at (the others find it in their pending list; a job that notifies nobody
-- is not made). A token no longer waiting for approvals (decided, ended, expired) asks nobody.
-- KEYS: keyHolders
-- Reaches: the tokens named in ARGV (status, expiry, requester, votes and rejections), the key holders' webhooks
-- ARGV[5] '1' when the requester may approve   ARGV[6..] token ids
-- Returns, for each token id in order, the user ids ascending (empty when there is no such token).
local asked = {}
for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
  if redis.call('EXISTS', P .. 'webhook:' .. uid) == 1 then asked[#asked + 1] = uid end
end
table.sort(asked, function(a, b) return tonumber(a) < tonumber(b) end)
-- The fields read of each token: its status, expiry and requester, then each asked officer's vote and rejection.
local fields = { 'status', 'exp', 'req', 'rqu' }
for _, uid in ipairs(asked) do
  fields[#fields + 1] = 'v:' .. uid
  fields[#fields + 1] = 'r:' .. uid
end
local out = {}
for i = 6, #ARGV do
  local got = redis.call('HMGET', token_key(ARGV[i]), unpack(fields))
  local ids = {}
  if got[1] == 'PENDING' and NOW < tonumber(got[2] or '0') then
    local t = { req = got[3] or nil, rqu = got[4] or nil }
    for n, uid in ipairs(asked) do
      local decided = got[3 + 2 * n] or got[4 + 2 * n]
      if not decided and may_approve(t, uid, ARGV[5] == '1') then ids[#ids + 1] = tonumber(uid) end
    end
  end
  out[#out + 1] = ids
end
return out
