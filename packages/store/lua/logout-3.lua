-- Ends a session.
-- KEYS: session audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: userId
-- Returns: 1
if redis.call('DEL', key('session')) == 1 then
  audit('session.logout', { userId = tonumber(A.userId) })
end
return 1
