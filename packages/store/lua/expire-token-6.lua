-- Moves a token whose time has passed to EXPIRED (idempotent; a no-op otherwise).
-- KEYS: token openTokens approvedTokens audit auditHead outbox
-- Reaches: events group officers outbox service user userVotes webhook — the votes sets of the token's voters (it leaves them), the requester's webhook (whether it hears of the ending)
-- ARGV: retentionMs
--   `retentionMs` retention of finished tokens, ms
-- Returns: the status after, or GONE when the token's hash is gone.
local t = load_token(key('token'))
if not t then
  -- Its hash is gone (evicted, or deleted by hand): its id leaves the indexes, or the sweep
  -- would pick it again and again, ahead of tokens that are there.
  local id = token_id(key('token'))
  redis.call('ZREM', key('openTokens'), id)
  redis.call('ZREM', key('approvedTokens'), id)
  return 'GONE'
end
if t[TF.status] == STATUS.EXPIRED or effective_status(t) ~= STATUS.EXPIRED then return t[TF.status] end
finish_token(key('token'), t, STATUS.EXPIRED, tonumber(A.retentionMs))
audit('token.expired', { id = t.id })
-- A break-glass review not approved in its window locks the officers it names.
if t[TF.reviewOf] then review_failed(t, 'unreviewed') end
return STATUS.EXPIRED
