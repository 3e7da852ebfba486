-- Sets or removes a CO's webhook.
-- KEYS: webhook audit auditHead
-- Reaches: nothing — only the keys it is handed
-- ARGV: userId url secret
--   `url` URL ('' removes)   `secret` HMAC secret
-- Returns: 1
if A.url == '' then
  if redis.call('DEL', key('webhook')) == 1 then audit('webhook.removed', { userId = tonumber(A.userId) }) end
  return 1
end
redis.call('HSET', key('webhook'), 'url', A.url, 'secret', A.secret)
audit('webhook.set', { userId = tonumber(A.userId), url = A.url })
return 1
