-- createUser, behind its quorum gate (PROTECTED.createUser); consumes the token with the change.
-- KEYS: usersSeq usersByName users officers gateToken mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: events group officers service token user userKeys userVotes webhook — the new user's hash (its id comes from usersSeq); the gate token's voters (and their key history); the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV: requester operationDigest issuer requesterMayApprove name nameKey type passwordHash retentionMs verified
--   `nameKey` lower-case name
--   `retentionMs` retention of finished tokens, ms
-- Returns: the new user id.
-- A crypto officer created through a quorum token gets a one-time password (`otp`): its
-- requester chose it, so until the new officer sets its own (change-password clears the
-- flag) its sessions can do nothing else — not register a key, not approve: otherwise the
-- requester would log in as the new officer, and be one person with two votes.
-- A new crypto officer is a new approver for every service: every service's M.
local required_m = m_value(PROTECTED.createUser)
if A.type == 'CO' then required_m = max_m_all() end
local err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.createUser, A.operationDigest, A.issuer, required_m, A.requesterMayApprove == '1', A.verified)
if err then return err end
if redis.call('HEXISTS', key('usersByName'), A.nameKey) == 1 then
  return fail('RET_USER_EXISTS', 'A user named ' .. A.name .. ' already exists')
end
commit_gate(gate, tonumber(A.retentionMs))
local id = redis.call('INCR', key('usersSeq'))
redis.call('HSET', KEY.user(id), 'id', id, 'name', A.name, 'type', A.type, 'pw', A.passwordHash, 'fails', 0, 'created', NOW)
local one_time = A.type == 'CO' and gate.token ~= nil
if one_time then redis.call('HSET', KEY.user(id), 'otp', 1) end
redis.call('HSET', key('usersByName'), A.nameKey, id)
redis.call('ZADD', key('users'), id, id)
if A.type == 'CO' then redis.call('SADD', key('officers'), id) end
audit('user.created', { id = id, name = A.name, type = A.type, oneTimePassword = one_time or nil })
return id
