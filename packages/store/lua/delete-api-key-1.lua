-- Revokes an API key.   KEYS[1] api key hash key   ARGV[5] id
if redis.call('DEL', KEYS[1]) == 0 then return fail('RET_NOT_FOUND', 'No such API key') end
redis.call('ZREM', P .. 'apikeys', ARGV[5])
audit('apikey.revoked', { id = ARGV[5] })
return 1
