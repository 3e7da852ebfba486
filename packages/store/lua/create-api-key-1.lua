-- Creates an API key for automation.
-- KEYS[1] api key hash key
-- ARGV[5] id   ARGV[6] SHA-256 of the secret   ARGV[7] name   ARGV[8] scopes (space separated)
-- ARGV[9] owner user id
if redis.call('EXISTS', user_key(ARGV[9])) == 0 then return fail('RET_USER_NOT_FOUND', 'The owner does not exist') end
redis.call('HSET', KEYS[1], 'id', ARGV[5], 'hash', ARGV[6], 'name', ARGV[7], 'scopes', ARGV[8], 'owner', ARGV[9], 'created', NOW)
redis.call('ZADD', P .. 'apikeys', NOW, ARGV[5])
redis.call('SADD', user_key(ARGV[9]) .. ':apikeys', ARGV[5])
audit('apikey.created', { id = ARGV[5], name = ARGV[7], scopes = ARGV[8], ownerId = tonumber(ARGV[9]) })
return 1
