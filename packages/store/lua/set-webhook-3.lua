-- Sets or removes a CO's webhook.
-- KEYS: webhook audit auditHead
-- ARGV[5] user id   ARGV[6] URL ('' removes)   ARGV[7] HMAC secret
if ARGV[6] == '' then
  if redis.call('DEL', key('webhook')) == 1 then audit('webhook.removed', { userId = tonumber(ARGV[5]) }) end
  return 1
end
redis.call('HSET', key('webhook'), 'url', ARGV[6], 'secret', ARGV[7])
audit('webhook.set', { userId = tonumber(ARGV[5]), url = ARGV[6] })
return 1
