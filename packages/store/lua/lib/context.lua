-- Shared by every script. Every script receives, before its own arguments:
--   ARGV[1] key prefix, with its hash tag (e.g. "{quorumd}:")
--   ARGV[2] now, epoch milliseconds
--   ARGV[3] now, RFC 3339
--   ARGV[4] actor, a JSON string ("user:1", "apikey:<id>" or "system")
-- Checks come before writes: a script that refuses has changed nothing.
--
-- Keys: a script declares every key it is handed on its `-- KEYS:` line, by name; the
-- store builds them (packages/store/src/keys.ts) and binds them to K before this file, and
-- the script reads them with key('name'), which fails loudly for an undeclared one. Keys
-- a script can only find from what it reads (the tokens listed in an index, the voters of
-- a token, the user a session or a name points to) are built with the contract's KEY builders
-- (KEY.user(id), KEY.token(id), ...), and each script says which on its `-- Reaches:` line.
-- All share the hash tag. The Redis contract's names — TF, SF, OF (token, session, outbox
-- entry fields), VOTE, REJECTION, SERVICES, STATUS, PROTECTED, KEY — are resolved when the
-- scripts are loaded (packages/store/src/lua-contract.ts): the declared text takes their place.
--
-- The token rules live in the includes that follow, once: the status a token has now (effective_status: a
-- passed expiry reads EXPIRED), whether a vote counts (vote_key), how many approvals a
-- token needs now (required), who its requester is and who may approve it
-- (requester_uid, may_approve), and how many officers could approve (eligible_approvers).
-- TypeScript reads their answers; it never recomputes them.
local P, NOW, NOW_ISO, ACTOR = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]

local function fail(code, message)
  return redis.error_reply(code .. ' ' .. message)
end

-- A key the script declared on its KEYS line.
local function key(name)
  local k = K[name]
  if not k then error('quorumd: this script does not declare the key ' .. name) end
  return k
end
