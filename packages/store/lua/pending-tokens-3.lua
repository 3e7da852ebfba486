-- A CO's queue: PENDING, unexpired tokens it has not decided on (and, when the requester
-- may not approve, not its own nor its API keys'), soonest expiry first. Computed from
-- the open-token index, so a token shows at once when issued and leaves when decided or
-- finished. A custom service's token is only in the queue of the officers its policy counts.
-- KEYS: openTokens userVotes mValues
-- Reaches: token user userKeys group officers service keyHolders — the open tokens' hashes and their voters
-- ARGV: userId requesterMayApprove limit
--   `requesterMayApprove` '1' when the requester may approve   `limit` how many to return
-- Returns: one token snapshot per pending token, as read-token returns it but without the token
-- bytes (''), and with the token's id as a fifth element: the bytes never change, and the
-- reader keeps those it has read (a queue is read again at every change).
local uid, limit = A.userId, tonumber(A.limit)
local may = A.requesterMayApprove == '1'
local out = {}
local offset, chunk = 0, 256
while #out < limit do
  local ids = redis.call('ZRANGEBYSCORE', key('openTokens'), '(' .. NOW, '+inf', 'LIMIT', offset, chunk)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    -- Each token's hash is read once: the checks and the answer come from it.
    local t, flat
    if redis.call('SISMEMBER', key('userVotes'), id) == 0 then t, flat = load_token(KEY.token(id)) end
    -- (A custom service's token: only an officer who can fill one of its rules' places.)
    if t and not t[REJECTION .. uid] and may_approve(t, uid, may) and may_help(t, uid, may) then
      out[#out + 1] = read_snapshot(t, flat, may, true)
      if #out >= limit then break end
    end
  end
  offset = offset + chunk
end
return out
