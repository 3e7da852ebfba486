-- Moves a token whose time has passed to EXPIRED (idempotent; a no-op otherwise).
-- KEYS[1] token key   ARGV[5] retention of finished tokens, ms
-- Returns the status after.
local t = load_token(KEYS[1])
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
if t.status == 'EXPIRED' or effective_status(t) ~= 'EXPIRED' then return t.status end
finish_token(KEYS[1], t, 'EXPIRED', tonumber(ARGV[5]))
audit('token.expired', { id = t.id })
return 'EXPIRED'
