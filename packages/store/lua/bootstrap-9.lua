-- First start of a deployment: fixes the issuer name and creates the admin CO (id 1) once.
-- KEYS: meta usersSeq usersByName users officers user mValues audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: issuer adminPasswordHash
--   `issuer` issuer name to use when none is stored yet
--   `adminPasswordHash` admin password hash
-- Returns: {issuer, created (1/0)}.
redis.call('HSETNX', key('meta'), 'issuer', A.issuer)
local issuer = redis.call('HGET', key('meta'), 'issuer')
if redis.call('EXISTS', key('usersSeq')) == 1 then return { issuer, 0 } end
redis.call('SET', key('usersSeq'), 1)
redis.call('HSET', key('user'), 'id', 1, 'name', 'admin', 'type', 'CO', 'pw', A.adminPasswordHash, 'fails', 0, 'created', NOW)
redis.call('HSET', key('usersByName'), 'admin', 1)
redis.call('ZADD', key('users'), 1, 1)
redis.call('SADD', key('officers'), 1)
for _, service in ipairs(SERVICES) do redis.call('HSET', key('mValues'), service, 1) end
audit('user.created', { id = 1, name = 'admin', type = 'CO', bootstrap = true })
return { issuer, 1 }
