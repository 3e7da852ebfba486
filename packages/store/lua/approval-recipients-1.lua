-- Who is asked to approve each of a batch of tokens (the fan-out of a new or reopened token):
-- every key holder who may approve it — not the requester, nor the owner of the API key that
-- asked, when requesters may not approve — has not approved or rejected it yet, and has a
-- webhook or a notification channel (e-mail, chat) to be asked at (the others find it in their
-- pending list; a job that notifies nobody is not made). A custom service's token asks only the officers its policy counts. A token no longer waiting for approvals (decided, ended, expired) asks nobody.
-- KEYS: keyHolders
-- Reaches: token webhook notifications group officers service keyHolders user — the tokens named in ARGV (status, expiry, requester, votes and rejections), the key holders' webhooks and notification channels
-- ARGV: requesterMayApprove ...tokenIds
--   `requesterMayApprove` '1' when the requester may approve
-- Returns: for each token id in order, the user ids ascending (empty when there is no such token).
local asked = {}
for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
  if redis.call('EXISTS', KEY.webhook(uid)) == 1 or redis.call('EXISTS', KEY.notifications(uid)) == 1 then asked[#asked + 1] = uid end
end
table.sort(asked, function(a, b) return tonumber(a) < tonumber(b) end)
-- The fields read of each token: its status, expiry and requester, then each asked officer's
-- vote and rejection, at most CHUNK officers to a read (unpack takes a few thousand values at
-- most: with one read for all, some 4,000 officers with webhooks would fail every fan-out).
local CHUNK = 1000
local may = A.requesterMayApprove == '1'
local reads = {}
for first = 1, math.max(#asked, 1), CHUNK do
  local fields = first == 1 and { TF.status, TF.expiresAt, TF.requester, TF.requesterUser, TF.service, TF.governingServices, TF.policy, TF.reviewExcluded, TF.breakGlassAt } or {}
  for n = first, math.min(first + CHUNK - 1, #asked) do
    fields[#fields + 1] = VOTE .. asked[n]
    fields[#fields + 1] = REJECTION .. asked[n]
  end
  reads[#reads + 1] = { fields = fields, first = first, skip = first == 1 and 9 or 0 }
end
local out = {}
for _, token in ipairs(A.tokenIds) do
  local tkey = KEY.token(token)
  local got = redis.call('HMGET', tkey, unpack(reads[1].fields))
  local ids = {}
  if got[1] == STATUS.PENDING and NOW < tonumber(got[2] or '0') then
    local t = { [TF.requester] = got[3] or nil, [TF.requesterUser] = got[4] or nil, [TF.service] = got[5] or '', [TF.governingServices] = got[6] or nil, [TF.policy] = got[7] or nil, [TF.reviewExcluded] = got[8] or nil, [TF.breakGlassAt] = got[9] or nil }
    for r, read in ipairs(reads) do
      if r > 1 then got = redis.call('HMGET', tkey, unpack(read.fields)) end
      for n = read.first, math.min(read.first + CHUNK - 1, #asked) do
        local at = read.skip + 2 * (n - read.first)
        local decided = got[at + 1] or got[at + 2]
        if not decided and may_approve(t, asked[n], may) and may_help(t, asked[n], may) then ids[#ids + 1] = tonumber(asked[n]) end
      end
    end
  end
  out[#out + 1] = ids
end
return out
