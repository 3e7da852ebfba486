-- Revokes an API key.
-- KEYS: apiKey apiKeys audit auditHead
-- Reaches: userApiKeys — the owner's set of API keys (the owner is read from the key)
-- ARGV: id
-- Returns: 1
local owner = redis.call('HGET', key('apiKey'), 'owner')
if redis.call('DEL', key('apiKey')) == 0 then return fail('RET_NOT_FOUND', 'No such API key') end
redis.call('ZREM', key('apiKeys'), A.id)
if owner then redis.call('SREM', KEY.userApiKeys(owner), A.id) end
audit('apikey.revoked', { id = A.id })
return 1
