-- Sets the name a user signs AWS CloudHSM token files as (its HSM user name).
-- KEYS: user audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: userId hsmUsername
--   `hsmUsername` the HSM user name
-- Returns: 1
if redis.call('EXISTS', key('user')) == 0 then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. A.userId) end
redis.call('HSET', key('user'), 'hsmu', A.hsmUsername)
audit('user.hsm_username_set', { id = tonumber(A.userId), hsmUsername = A.hsmUsername })
return 1
