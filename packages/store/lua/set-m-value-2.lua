-- setMValue, behind the QUORUM_MGMT gate with max(M(QUORUM_MGMT), M(service)) approvals.
-- KEYS[1] mvalues hash   KEYS[2] quorum token key (empty id for none)
-- ARGV[5] requester key   ARGV[6] canonical operation   ARGV[7] issuer
-- ARGV[8] service   ARGV[9] new M   ARGV[10] '1' to set M above the key holders
-- ARGV[11] retention of finished tokens, ms
local service, m = ARGV[8], tonumber(ARGV[9])
local required = math.max(m_value('QUORUM_MGMT'), m_value(service))
local err, gate = check_gate(KEYS[2], ARGV[5], 'QUORUM_MGMT', ARGV[6], ARGV[7], required)
if err then return err end
local holders = redis.call('SCARD', P .. 'keyholders')
if m > holders and ARGV[10] ~= '1' then
  return fail('RET_M_EXCEEDS_APPROVERS', 'M = ' .. m .. ' is above the ' .. holders ..
    ' officer(s) holding quorum keys; pass force to set it anyway')
end
commit_gate(gate, tonumber(ARGV[11]))
local old = m_value(service)
redis.call('HSET', KEYS[1], service, m)
audit('quorum.m_changed', { service = service, from = old, to = m, forced = ARGV[10] == '1' })
return m
