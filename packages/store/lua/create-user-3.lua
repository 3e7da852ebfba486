-- createUser, behind the USER_MGMT quorum gate; consumes the token with the change.
-- KEYS[1] users:seq   KEYS[2] users:byname   KEYS[3] quorum token key (empty id for none)
-- ARGV[5] requester key   ARGV[6] canonical operation   ARGV[7] issuer
-- ARGV[8] name   ARGV[9] lower-case name   ARGV[10] type   ARGV[11] password hash
-- ARGV[12] retention of finished tokens, ms
-- Returns the new user id.
local err, gate = check_gate(KEYS[3], ARGV[5], 'USER_MGMT', ARGV[6], ARGV[7], m_value('USER_MGMT'))
if err then return err end
if redis.call('HEXISTS', KEYS[2], ARGV[9]) == 1 then
  return fail('RET_USER_EXISTS', 'A user named ' .. ARGV[8] .. ' already exists')
end
commit_gate(gate, tonumber(ARGV[12]))
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', user_key(id), 'id', id, 'name', ARGV[8], 'type', ARGV[10], 'pw', ARGV[11], 'fails', 0, 'created', NOW)
redis.call('HSET', KEYS[2], ARGV[9], id)
redis.call('ZADD', P .. 'users', id, id)
audit('user.created', { id = id, name = ARGV[8], type = ARGV[10] })
return id
