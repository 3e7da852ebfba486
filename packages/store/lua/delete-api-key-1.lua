-- Revokes an API key.   KEYS[1] api key hash key   ARGV[5] id
local owner = redis.call('HGET', KEYS[1], 'owner')
if redis.call('DEL', KEYS[1]) == 0 then return fail('RET_NOT_FOUND', 'No such API key') end
redis.call('ZREM', P .. 'apikeys', ARGV[5])
if owner then redis.call('SREM', user_key(owner) .. ':apikeys', ARGV[5]) end
audit('apikey.revoked', { id = ARGV[5] })
return 1
