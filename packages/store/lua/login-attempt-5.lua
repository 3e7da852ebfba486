-- Starts a login (or a check of a user's current password). Failed logins never lock a user
-- and never end a session: they make the name, and the source address, wait. Past its free
-- failures, every failure of a name (or from an address) makes the next try from anywhere
-- (or of any name) wait, the wait doubling with each failure up to the longest wait; a try
-- while waiting is refused without being counted or checked. A name's failures are counted
-- apart for the addresses it logged in from before (loginKnownSources) and for all others,
-- so that whoever fails from elsewhere, once per wait, never holds the officer off its own
-- addresses; guesses from those are throttled the same way on their own count.
-- An unknown name (no known address) is counted and made to wait exactly like a known one,
-- so the answers never tell them apart.
-- The attempt is counted as failed before the password is checked (so parallel guesses never
-- get more checks than the rules allow, and the try that reaches the free failures already
-- holds off the next ones); login-finish undoes the count when the password was right.
-- KEYS: usersByName loginName loginNameKnown loginKnownSources loginSource
-- Reaches: user — the hash of the user the name points to (its failure count, for listUsers)
-- ARGV: nameKey source nameFreeFailures sourceFreeFailures firstWaitMs nameLongestWaitMs sourceLongestWaitMs keepMs
--   `nameKey` lower-case name   `source` the source address (an IPv6 one by its /64)
--   `nameFreeFailures` free failures of a name   `sourceFreeFailures` free failures of an address
--   `firstWaitMs` first wait, ms   `nameLongestWaitMs` longest wait of a name, ms   `sourceLongestWaitMs` longest wait of an address, ms
--   `keepMs` how long counts are kept after the last try, ms
-- Returns: {'wait', ms} while the name or the address must wait; else {user id ('' for an
-- unknown name), password hash, session generation, the address's wait this try set ('' for
-- none), '1' when the address is one the name logged in from ('0' otherwise)}.
local known = redis.call('ZSCORE', key('loginKnownSources'), A.source) and '1' or '0'
local name_key = known == '1' and key('loginNameKnown') or key('loginName')
local subjects = { { name_key, tonumber(A.nameFreeFailures), tonumber(A.nameLongestWaitMs) }, { key('loginSource'), tonumber(A.sourceFreeFailures), tonumber(A.sourceLongestWaitMs) } }
local wait = 0
for _, s in ipairs(subjects) do
  local t = tonumber(redis.call('HGET', s[1], 't') or '0')
  if t - NOW > wait then wait = t - NOW end
end
if wait > 0 then return { 'wait', wait } end
local first = tonumber(A.firstWaitMs)
local set = {}
for i, s in ipairs(subjects) do
  local f = redis.call('HINCRBY', s[1], 'f', 1)
  set[i] = ''
  if f >= s[2] then
    local doublings = f - s[2]
    local ms = s[3]
    if doublings < 40 then ms = math.min(s[3], first * 2 ^ doublings) end
    set[i] = string.format('%d', NOW + ms)
    redis.call('HSET', s[1], 't', set[i])
  end
  redis.call('PEXPIRE', s[1], A.keepMs)
end
local id = redis.call('HGET', key('usersByName'), A.nameKey)
if not id then return { '', '', '', set[2], known } end
local ukey = KEY.user(id)
redis.call('HINCRBY', ukey, 'fails', 1)
local user = redis.call('HMGET', ukey, 'pw', 'sgen')
return { id, user[1] or '', user[2] or '0', set[2], known }
