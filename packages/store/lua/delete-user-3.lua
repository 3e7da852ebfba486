-- deleteUser, behind the USER_MGMT quorum gate; consumes the token with the change.
-- The deleted CO's votes stop counting; tokens they carried go back to PENDING.
-- KEYS[1] user key   KEYS[2] users:byname   KEYS[3] quorum token key (empty id for none)
-- ARGV[5] requester key   ARGV[6] canonical operation   ARGV[7] issuer
-- ARGV[8] user id   ARGV[9] retention of finished tokens, ms
local err, gate = check_gate(KEYS[3], ARGV[5], 'USER_MGMT', ARGV[6], ARGV[7], m_value('USER_MGMT'))
if err then return err end
local user = hash_to_table(redis.call('HGETALL', KEYS[1]))
if not user.id then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. ARGV[8]) end
if user.type == 'CO' then
  local cos = 0
  for _, id in ipairs(redis.call('ZRANGE', P .. 'users', 0, -1)) do
    if redis.call('HGET', user_key(id), 'type') == 'CO' then cos = cos + 1 end
  end
  if cos <= 1 then return fail('RET_FORBIDDEN', 'The last crypto officer cannot be deleted') end
end
commit_gate(gate, tonumber(ARGV[9]))
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], string.lower(user.name))
redis.call('ZREM', P .. 'users', ARGV[8])
redis.call('SREM', P .. 'keyholders', ARGV[8])
reopen_tokens_voted_by(ARGV[8])
redis.call('DEL', KEYS[1] .. ':votes')
audit('user.deleted', { id = tonumber(ARGV[8]), name = user.name, type = user.type })
return 1
