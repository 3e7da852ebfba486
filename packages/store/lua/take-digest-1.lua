-- The items of a digest batch that is due: the batch is closed first (no delivery joins it
-- any more), its items stay until the message went out (a retry sends the same).
-- KEYS: digestOpen
-- Reaches: digestItems — the batch's items
-- ARGV: digest batch
-- Returns: the items as HGETALL answers them (delivery id, `<event> <token id>`, ...)
if redis.call('GET', key('digestOpen')) == A.batch then redis.call('DEL', key('digestOpen')) end
return redis.call('HGETALL', KEY.digestItems(A.digest .. '-' .. A.batch))
