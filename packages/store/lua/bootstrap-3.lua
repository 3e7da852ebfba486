-- First start of a deployment: fixes the issuer name and creates the admin CO once.
-- KEYS[1] meta hash   KEYS[2] users:seq   KEYS[3] users:byname
-- ARGV[5] issuer name to use when none is stored yet
-- ARGV[6] admin password hash (scrypt)
-- Returns {issuer, created (1/0)}.
redis.call('HSETNX', KEYS[1], 'issuer', ARGV[5])
local issuer = redis.call('HGET', KEYS[1], 'issuer')
if redis.call('EXISTS', KEYS[2]) == 1 then return { issuer, 0 } end
redis.call('SET', KEYS[2], 1)
redis.call('HSET', user_key(1), 'id', 1, 'name', 'admin', 'type', 'CO', 'pw', ARGV[6], 'fails', 0, 'created', NOW)
redis.call('HSET', KEYS[3], 'admin', 1)
redis.call('ZADD', P .. 'users', 1, 1)
redis.call('HSET', P .. 'mvalues', 'USER_MGMT', 1, 'QUORUM_MGMT', 1)
audit('user.created', { id = 1, name = 'admin', type = 'CO', bootstrap = true })
return { issuer, 1 }
