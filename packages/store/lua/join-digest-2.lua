-- A delivery joins the open batch of a user's digest of one channel, or opens one that stays
-- open for the window: every delivery joining while it is open goes out in one message.
-- KEYS: digestOpen digestSeen
-- Reaches: digestItems — the batch's items
-- ARGV: digest deliveryId item windowMs newBatch
--   `digest` `<userId>-<channel>`   `item` `<event> <token id>`   `newBatch` the id a new batch takes
-- Returns: { batch id, 1 when this delivery opened it (else 0; also for a delivery that had joined already) }
local seen = redis.call('HGET', key('digestSeen'), A.deliveryId)
if seen then return { seen, 0 } end
local opened = 0
local batch = redis.call('GET', key('digestOpen'))
if not batch then
  batch = A.newBatch
  redis.call('SET', key('digestOpen'), batch, 'PX', A.windowMs)
  opened = 1
end
local items = KEY.digestItems(A.digest .. '-' .. batch)
redis.call('HSET', items, A.deliveryId, A.item)
redis.call('PEXPIRE', items, 86400000)
redis.call('HSET', key('digestSeen'), A.deliveryId, batch)
redis.call('PEXPIRE', key('digestSeen'), 86400000)
return { batch, opened }
