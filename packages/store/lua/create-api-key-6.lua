-- Creates an API key for automation, owned by a user (it acts for its owner).
-- KEYS: apiKey user userApiKeys apiKeys audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: id secretHash name scopes ownerId
--   `secretHash` SHA-256 of the secret   `scopes` scopes (space separated)
--   `ownerId` owner user id
-- Returns: 1
if redis.call('EXISTS', key('user')) == 0 then return fail('RET_USER_NOT_FOUND', 'The owner does not exist') end
redis.call('HSET', key('apiKey'), 'id', A.id, 'hash', A.secretHash, 'name', A.name, 'scopes', A.scopes, 'owner', A.ownerId, 'created', NOW)
redis.call('ZADD', key('apiKeys'), NOW, A.id)
redis.call('SADD', key('userApiKeys'), A.id)
audit('apikey.created', { id = A.id, name = A.name, scopes = A.scopes, ownerId = tonumber(A.ownerId) })
return 1
