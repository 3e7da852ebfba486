-- Revokes an API key.
-- KEYS: apiKey apiKeys audit auditHead
-- Reaches: the owner's set of API keys (the owner is read from the key)
-- ARGV[5] id
local owner = redis.call('HGET', key('apiKey'), 'owner')
if redis.call('DEL', key('apiKey')) == 0 then return fail('RET_NOT_FOUND', 'No such API key') end
redis.call('ZREM', key('apiKeys'), ARGV[5])
if owner then redis.call('SREM', KEY.userApiKeys(owner), ARGV[5]) end
audit('apikey.revoked', { id = ARGV[5] })
return 1
