-- Sets (or, all empty, removes) a user's notification channels.
-- KEYS: notifications user audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: userId email chatUrl chatFormat events chatOrigin
--   `email` address ('' none)   `chatUrl` incoming-webhook URL ('' none)   `chatFormat` 'slack'
--   `events` space-separated event names ('' all)   `chatOrigin` the chat URL's origin, which the audit entry names
--   (an incoming webhook's path is its secret: it is never audited)
-- Returns: 1
if redis.call('EXISTS', key('user')) == 0 then return fail('RET_USER_NOT_FOUND', 'No such user') end
if A.email == '' and A.chatUrl == '' then
  if redis.call('DEL', key('notifications')) == 1 then audit('notifications.removed', { userId = tonumber(A.userId) }) end
  return 1
end
redis.call('DEL', key('notifications'))
local fields = { 'email', A.email, 'chatUrl', A.chatUrl, 'chatFormat', A.chatFormat }
if A.events ~= '' then
  fields[#fields + 1] = 'eventList'
  fields[#fields + 1] = A.events
end
redis.call('HSET', key('notifications'), unpack(fields))
local data = { userId = tonumber(A.userId), email = A.email ~= '' and A.email or false, chat = A.chatUrl ~= '' and A.chatOrigin or false }
if A.events ~= '' then data.events = A.events end
audit('notifications.set', data)
return 1
