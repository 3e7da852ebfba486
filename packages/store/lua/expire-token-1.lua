-- Moves a token whose time has passed to EXPIRED (idempotent; a no-op otherwise).
-- KEYS[1] token key   ARGV[5] retention of finished tokens, ms
-- Returns the status after.
local t = load_token(KEYS[1])
if not t then return fail('RET_TOKEN_NOT_FOUND', 'No such quorum token') end
local due = (t.status == 'PENDING' and NOW >= tonumber(t.exp))
  or (t.status == 'APPROVED' and NOW >= tonumber(t.apUntil))
if not due then return t.status end
finish_token(KEYS[1], t, 'EXPIRED', tonumber(ARGV[5]))
audit('token.expired', { id = t.id })
return 'EXPIRED'
