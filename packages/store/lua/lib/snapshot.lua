-- Included by every script: a token as readers get it.

-- The status readers get: its status now (effective_status), and APPROVED for a break-glass
-- token whose time lock is over and whose break-glass approvals carry it, before the sweep or
-- a use writes it (reads never write: a late worker changes nothing a reader sees).
local function reader_status(t, voters, requester_may_approve)
  local status = effective_status(t)
  if status == STATUS.PENDING and t[TF.breakGlassAt] and break_glass_ready(t, voters, requester_may_approve) then return STATUS.APPROVED end
  return status
end

-- A field's value as readers get it (`keys`: what counting_votes answered for `t`).
local function reader_value(t, field, value, keys)
  if is_vote_field(field) then
    local alg, at = parse_vote(value)
    return (alg or '') .. '|' .. (at or '0') .. '|' .. (keys[string.sub(field, #VOTE + 1)] or '')
  end
  if field == TF.used and string.sub(value, 1, 1) ~= '[' then
    -- The votes that carried a used token, as readers get them: [[user id, fingerprint], ...].
    local used = {}
    for uid in string.gmatch(value, '%d+') do
      local _, _, kgen = parse_vote(t[VOTE .. uid] or '')
      used[#used + 1] = { tonumber(uid), kgen and redis.call('HGET', KEY.userKeys(uid), kgen) or '' }
    end
    return cjson.encode(used)
  end
  return value
end

-- A token as readers get it: its flat hash — each vote as `alg|at|fingerprint` (the key
-- it counts with, '' when it does not count; signatures stay in Redis, bundles read them)
-- — the ids of the votes that count, the approvals it needs now (a used token: the number
-- the gate checked when it was used), and its status now.
-- `t` is the token as the script holds it (load_token, with the script's own writes), and
-- `voters`, `keys`, `need` what counting_votes and required answered for it.
local function snapshot_of(t, voters, keys, need, requester_may_approve)
  local flat = {}
  for field, value in pairs(t) do
    if field ~= 'id' then
      flat[#flat + 1] = field
      flat[#flat + 1] = reader_value(t, field, value, keys)
    end
  end
  local progress = progress_json(t, voters, requester_may_approve)
  if progress then
    flat[#flat + 1] = TF.progress
    flat[#flat + 1] = progress
  end
  return { flat, voters, t[TF.need] and tonumber(t[TF.need]) or need, reader_status(t, voters, requester_may_approve) }
end

-- The same for a token as load_token read it (`t`, `flat`), with no write since: the list
-- read is answered, its votes rewritten in place (a queue answers many tokens at once).
-- `without_doc`: the token bytes are left out ('') and the token's id is added as a fifth
-- element: the reader holds the bytes already (they never change) or reads them apart.
local function read_snapshot(t, flat, requester_may_approve, without_doc)
  local voters, keys = counting_votes(t, requester_may_approve)
  for i = 1, #flat, 2 do
    local field = flat[i]
    if without_doc and field == TF.doc then
      flat[i + 1] = ''
    elseif field == TF.used or is_vote_field(field) then
      -- (Every other field reads as stored.)
      flat[i + 1] = reader_value(t, field, flat[i + 1], keys)
    end
  end
  local need = t[TF.need] and tonumber(t[TF.need]) or required(t)
  local progress = progress_json(t, voters, requester_may_approve)
  if progress then
    flat[#flat + 1] = TF.progress
    flat[#flat + 1] = progress
  end
  local status = reader_status(t, voters, requester_may_approve)
  if without_doc then return { flat, voters, need, status, t.id } end
  return { flat, voters, need, status }
end

-- A token as readers get it (see snapshot_of), read now. (An empty hash when there is no such token.)
local function token_snapshot(tkey, requester_may_approve)
  local t, flat = load_token(tkey)
  if not t then return { {}, {}, 0, '' } end
  return read_snapshot(t, flat, requester_may_approve)
end
