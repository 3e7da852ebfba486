-- Ends a session.
-- KEYS: session audit auditHead
-- ARGV[5] user id
if redis.call('DEL', key('session')) == 1 then
  audit('session.logout', { userId = tonumber(ARGV[5]) })
end
return 1
