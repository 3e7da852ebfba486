-- createUser, behind the USER_MGMT quorum gate; consumes the token with the change.
-- KEYS: usersSeq usersByName users officers gateToken mValues openTokens approvedTokens audit auditHead outbox
-- Reaches: the new user's hash (its id comes from usersSeq); the gate token's voters (and their key history); the gate token's requester's webhook (its outbox entry names who hears of it)
-- ARGV[5] requester key   ARGV[6] SHA-256 (hex) of the canonical operation   ARGV[7] issuer
-- ARGV[8] '1' when the requester may approve
-- ARGV[9] name   ARGV[10] lower-case name   ARGV[11] type   ARGV[12] password hash
-- ARGV[13] retention of finished tokens, ms   ARGV[14] the gate token's votes verified in Node (see check_gate)
-- A crypto officer created through a quorum token gets a one-time password (`otp`): its
-- requester chose it, so until the new officer sets its own (change-password clears the
-- flag) its sessions can do nothing else — not register a key, not approve: otherwise the
-- requester would log in as the new officer, and be one person with two votes.
-- Returns the new user id.
-- A new crypto officer is a new approver for every service: every service's M.
local required_m = m_value('USER_MGMT')
if ARGV[11] == 'CO' then required_m = max_m_all() end
local err, gate = check_gate(key('gateToken'), ARGV[5], 'USER_MGMT', ARGV[6], ARGV[7], required_m, ARGV[8] == '1', ARGV[14])
if err then return err end
if redis.call('HEXISTS', key('usersByName'), ARGV[10]) == 1 then
  return fail('RET_USER_EXISTS', 'A user named ' .. ARGV[9] .. ' already exists')
end
commit_gate(gate, tonumber(ARGV[13]))
local id = redis.call('INCR', key('usersSeq'))
redis.call('HSET', user_key(id), 'id', id, 'name', ARGV[9], 'type', ARGV[11], 'pw', ARGV[12], 'fails', 0, 'created', NOW)
local one_time = ARGV[11] == 'CO' and gate.token ~= nil
if one_time then redis.call('HSET', user_key(id), 'otp', 1) end
redis.call('HSET', key('usersByName'), ARGV[10], id)
redis.call('ZADD', key('users'), id, id)
if ARGV[11] == 'CO' then redis.call('SADD', key('officers'), id) end
audit('user.created', { id = id, name = ARGV[9], type = ARGV[11], oneTimePassword = one_time or nil })
return id
