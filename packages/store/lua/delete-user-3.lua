-- deleteUser, behind the USER_MGMT quorum gate; consumes the token with the change.
-- The deleted user's sessions and API keys end with it; a CO's votes stop counting and
-- tokens they carried go back to PENDING. Deleting a key-holding CO runs the lock-out
-- guard: it is refused when a service's M would be above the officers left who could
-- approve, unless the signed operation says force.
-- KEYS[1] user key   KEYS[2] users:byname   KEYS[3] quorum token key (empty id for none)
-- ARGV[5] requester key   ARGV[6] canonical operation   ARGV[7] issuer
-- ARGV[8] user id   ARGV[9] retention of finished tokens, ms   ARGV[10] '1' when the operation says force
-- ARGV[11] '1' when the requester may approve
local uid = ARGV[8]
local err, gate = check_gate(KEYS[3], ARGV[5], 'USER_MGMT', ARGV[6], ARGV[7], m_value('USER_MGMT'))
if err then return err end
local user = hash_to_table(redis.call('HGETALL', KEYS[1]))
if not user.id then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. uid) end
if user.type == 'CO' then
  local cos = 0
  for _, id in ipairs(redis.call('ZRANGE', P .. 'users', 0, -1)) do
    if redis.call('HGET', user_key(id), 'type') == 'CO' then cos = cos + 1 end
  end
  if cos <= 1 then return fail('RET_FORBIDDEN', 'The last crypto officer cannot be deleted') end
  if redis.call('SISMEMBER', P .. 'keyholders', uid) == 1 then
    local left = eligible_approvers(ARGV[11] == '1', uid)
    for _, service in ipairs({ 'USER_MGMT', 'QUORUM_MGMT' }) do
      err = check_reachable(service, m_value(service), left, ARGV[10] == '1')
      if err then return err end
    end
  end
end
commit_gate(gate, tonumber(ARGV[9]))
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], string.lower(user.name))
redis.call('ZREM', P .. 'users', uid)
redis.call('SREM', P .. 'keyholders', uid)
if user.fp and redis.call('HGET', P .. 'keyowners', user.fp) == uid then
  redis.call('HDEL', P .. 'keyowners', user.fp)
end
local keys = redis.call('SMEMBERS', KEYS[1] .. ':apikeys')
for _, kid in ipairs(keys) do
  redis.call('DEL', P .. 'apikey:' .. kid)
  redis.call('ZREM', P .. 'apikeys', kid)
end
redis.call('DEL', KEYS[1] .. ':apikeys')
reopen_tokens_voted_by(uid)
redis.call('DEL', KEYS[1] .. ':votes')
audit('user.deleted', { id = tonumber(uid), name = user.name, type = user.type, apiKeysRevoked = #keys })
return 1
