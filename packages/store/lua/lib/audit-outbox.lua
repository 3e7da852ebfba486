-- Included by every script (lua-scripts.ts): the audit append, and status changes published
-- to waiters (pub/sub) and to the outbox stream.

-- Appends one entry to the audit log with the next sequence number, in the same atomic
-- step as the change it records. The chain's hashes are computed outside the scripts, by
-- the sealer, strictly in sequence order (no hashing here: Redis's time is every
-- replica's).
local function audit(kind, data)
  local seq = redis.call('HINCRBY', key('auditHead'), 'seq', 1)
  redis.call('RPUSH', key('audit'), '{"seq":' .. seq .. ',"at":' .. cjson.encode(NOW_ISO) .. ',"type":' .. cjson.encode(kind) ..
    ',"actor":' .. ACTOR .. ',"data":' .. cjson.encode(data) .. '}')
end

-- Every status change wakes waiters on all replicas (pub/sub) and is written to the
-- outbox stream in the same atomic step, from which the worker enqueues notifications:
-- a crash between the change and the enqueue loses nothing. Given the token `t` (a change
-- its requester hears of), the entry also names who hears of it, so that the worker reads
-- nothing: `to` lists 'callback' when the token has a callback URL and 'officer:<id>' when
-- its requester is an officer with a webhook. `round`: how many times the token has gone back
-- to PENDING, a reopening counting itself (`ro`, from `t` when not given); each change of a token
-- is then one of a kind within its round, and its deliveries get ids of their own.
local function publish_status(id, status, t, round)
  redis.call('PUBLISH', KEY.events(), id .. ' ' .. status)
  local entry = { OF.id, id, OF.status, status }
  round = round or (t and t[TF.round])
  if round then
    entry[#entry + 1] = OF.round
    entry[#entry + 1] = tostring(round)
  end
  if t then
    local to = {}
    if t[TF.callbackUrl] and t[TF.callbackUrl] ~= '' then to[#to + 1] = 'callback' end
    local requester = string.match(t[TF.requester] or '', '^user:(%d+)$')
    if requester and redis.call('EXISTS', KEY.webhook(requester)) == 1 then to[#to + 1] = 'officer:' .. requester end
    entry[#entry + 1] = OF.to
    entry[#entry + 1] = table.concat(to, ' ')
  end
  redis.call('XADD', key('outbox'), '*', unpack(entry))
end

-- A vote that leaves the status as it was wakes the same listeners (a token page, an
-- officer's queue: who approved so far), but is no status change: nothing goes to the outbox.
local function publish_vote(id)
  redis.call('PUBLISH', KEY.events(), id .. ' VOTE')
end
