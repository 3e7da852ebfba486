-- Creates an API key for automation.
-- KEYS[1] api key hash key
-- ARGV[5] id   ARGV[6] SHA-256 of the secret   ARGV[7] name   ARGV[8] scopes (space separated)
-- ARGV[9] owner user id
redis.call('HSET', KEYS[1], 'id', ARGV[5], 'hash', ARGV[6], 'name', ARGV[7], 'scopes', ARGV[8], 'owner', ARGV[9], 'created', NOW)
redis.call('ZADD', P .. 'apikeys', NOW, ARGV[5])
audit('apikey.created', { id = ARGV[5], name = ARGV[7], scopes = ARGV[8] })
return 1
