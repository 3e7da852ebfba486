-- Creates an API key for automation, owned by a user (it acts for its owner).
-- KEYS: apiKey user userApiKeys apiKeys audit auditHead
-- ARGV[5] id   ARGV[6] SHA-256 of the secret   ARGV[7] name   ARGV[8] scopes (space separated)
-- ARGV[9] owner user id
if redis.call('EXISTS', key('user')) == 0 then return fail('RET_USER_NOT_FOUND', 'The owner does not exist') end
redis.call('HSET', key('apiKey'), 'id', ARGV[5], 'hash', ARGV[6], 'name', ARGV[7], 'scopes', ARGV[8], 'owner', ARGV[9], 'created', NOW)
redis.call('ZADD', key('apiKeys'), NOW, ARGV[5])
redis.call('SADD', key('userApiKeys'), ARGV[5])
audit('apikey.created', { id = ARGV[5], name = ARGV[7], scopes = ARGV[8], ownerId = tonumber(ARGV[9]) })
return 1
