-- Included by every script: votes (their encoding, whether one counts, one per distinct key)
-- and who could approve at all (the lock-out guard).

-- Whether a token hash field is a vote (`v:<user id>`): compared byte by byte, since every
-- read walks every field of every token it answers and a substring is a new string each time.
local function is_vote_field(field)
  local a, b = string.byte(field, 1, 2)
  return a == VOTE_BYTE_1 and b == VOTE_BYTE_2
end

-- A stored vote: alg|at ms|key registration generation|signature (raw bytes); the alg is
-- left out when it is RS256 (most votes: 5 bytes a vote less). The key is the one of that
-- registration of the voter (a registration is never reused). Answers alg, at, kgen and
-- where the signature starts (string.sub(value, from)): most readers never need the
-- signature, and copying its bytes out of every vote is a large part of a script's time.
local function parse_vote(value)
  local alg, at, kgen, from = string.match(value, '^(%w*)|(%d+)|(%d+)|()')
  if alg == '' then alg = 'RS256' end
  return alg, at, kgen, from
end

local function vote_text(alg, kgen, signature)
  return (alg == 'RS256' and '' or alg) .. '|' .. NOW .. '|' .. kgen .. '|' .. signature
end

-- The fingerprint a vote counts with, or nil: a vote counts while its CO exists and still
-- holds the very key registration that made it (the same key registered again later is
-- a new registration).
local function vote_key(uid, value)
  local _, _, kgen = parse_vote(value)
  if not kgen then return nil end
  local current = redis.call('HMGET', KEY.user(uid), 'fp', 'kgen')
  if current[1] and (current[2] or '0') == kgen then return current[1] end
  return nil
end

-- The votes that count, one per distinct key: the voters' ids (sorted), and each counting
-- voter's key by user id. When requesters may not approve, the requester's own vote (cast
-- while they could) does not count. `verified` (the gate's): only the votes whose exact
-- record and key registration Node verified count (see check_gate).
local function counting_votes(t, requester_may_approve, verified)
  local voters, keys, by_voter = {}, {}, {}
  for field, value in pairs(t) do
    if is_vote_field(field) then
      local uid = string.sub(field, #VOTE + 1)
      if may_approve(t, uid, requester_may_approve) then
        local fp = vote_key(uid, value)
        if fp and verified and verified[uid] ~= redis.sha1hex(value) .. ':' .. fp then fp = nil end
        if fp and not keys[fp] then
          keys[fp] = true
          by_voter[uid] = fp
          voters[#voters + 1] = tonumber(uid)
        end
      end
    end
  end
  table.sort(voters)
  return voters, by_voter
end

-- Ids of the voters whose votes count, one per distinct key.
local function counting_voters(t, requester_may_approve)
  local voters = counting_votes(t, requester_may_approve)
  return voters
end

-- Whether a public key is registered to another user than `uid` (one key, one user).
local function key_of_another(fp, uid)
  local owner = redis.call('HGET', key('keyOwners'), fp)
  return owner ~= false and owner ~= nil and owner ~= uid
end

-- How many officers could approve a future token: key holders not locked for good, less
-- one when requesters may not approve (whoever asks is then one approver fewer).
-- `without` leaves one user out (the CO about to be deleted).
local function eligible_approvers(requester_may_approve, without)
  local n = 0
  for _, uid in ipairs(redis.call('SMEMBERS', key('keyHolders'))) do
    if uid ~= without and lock_state(uid) ~= 'forever' then n = n + 1 end
  end
  if not requester_may_approve then n = n - 1 end
  if n < 0 then n = 0 end
  return n
end

-- Refuses an M that the eligible officers could never reach (a lock-out), unless forced.
local function check_reachable(service, m, eligible, force)
  if m > 1 and m > eligible and not force then
    return fail('RET_M_EXCEEDS_APPROVERS', 'M = ' .. m .. ' for ' .. service .. ' is above the ' .. eligible ..
      ' officer(s) who could approve its tokens; put force in the operation to do it anyway')
  end
  return nil
end
