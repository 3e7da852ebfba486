-- Ends a session.   KEYS[1] session key   ARGV[5] user id
if redis.call('DEL', KEYS[1]) == 1 then
  audit('session.logout', { userId = tonumber(ARGV[5]) })
end
return 1
