-- Moves a token whose time has passed to EXPIRED (idempotent; a no-op otherwise).
-- KEYS: token openTokens approvedTokens audit auditHead outbox
-- Reaches: the votes sets of the token's voters (it leaves them)
-- ARGV[5] retention of finished tokens, ms
-- Returns the status after.
local t = load_token(key('token'))
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
if t.status == 'EXPIRED' or effective_status(t) ~= 'EXPIRED' then return t.status end
finish_token(key('token'), t, 'EXPIRED', tonumber(ARGV[5]))
audit('token.expired', { id = t.id })
return 'EXPIRED'
