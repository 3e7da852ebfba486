-- Sets the name a user signs AWS CloudHSM token files as (its HSM user name).
-- KEYS: user audit auditHead
-- ARGV[5] user id   ARGV[6] the HSM user name
if redis.call('EXISTS', key('user')) == 0 then return fail('RET_USER_NOT_FOUND', 'No user with id ' .. ARGV[5]) end
redis.call('HSET', key('user'), 'hsmu', ARGV[6])
audit('user.hsm_username_set', { id = tonumber(ARGV[5]), hsmUsername = ARGV[6] })
return 1
