-- Ends a login started by login-attempt.
-- KEYS[1] user key   KEYS[2] session key (by token hash)
-- ARGV[5] '1' when the password was right   ARGV[6] user id   ARGV[7] session expiry, epoch ms
-- ARGV[8] user name
if ARGV[5] == '1' then
  if redis.call('EXISTS', KEYS[1]) == 0 then return fail('RET_LOGIN_FAILED', 'Login failed') end
  redis.call('HSET', KEYS[1], 'fails', 0)
  redis.call('HSET', KEYS[2], 'uid', ARGV[6], 'exp', ARGV[7])
  redis.call('PEXPIREAT', KEYS[2], ARGV[7])
  audit('session.login', { userId = tonumber(ARGV[6]), name = ARGV[8] })
  return 1
end
local fails = redis.call('HGET', KEYS[1], 'fails')
audit('session.login_failed', { userId = tonumber(ARGV[6]), name = ARGV[8], failures = tonumber(fails or '0') })
return 0
