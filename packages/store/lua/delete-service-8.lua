-- deleteService: deletes a custom service, behind its quorum gate (PROTECTED.deleteService:
-- QUORUM_MGMT's M) and the service's current policy. A service with open (PENDING or
-- APPROVED) tokens is refused: they would lose the policy they are counted by.
-- KEYS: customServices mValues openTokens approvedTokens gateToken audit auditHead outbox
-- Reaches: events token user userKeys userVotes webhook service group officers keyHolders — the service's hash; the open tokens (their service); the policy's groups; the gate token's voters' key history and its requester's webhook
-- ARGV: requester operationDigest issuer requesterMayApprove service retentionMs verified
-- Returns: 1
local service = A.service
local may = A.requesterMayApprove == '1'
local old = current_policy(service)
if not old then return fail('RET_NOT_FOUND', 'No such custom service: ' .. service) end
for _, index in ipairs({ key('openTokens'), key('approvedTokens') }) do
  for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    if redis.call('HGET', KEY.token(id), TF.service) == service then
      return fail('RET_SERVICE_IN_USE', 'Service ' .. service .. ' has open tokens (e.g. ' .. id .. '): let them finish or delete them first')
    end
  end
end
local err, gate = check_gate(key('gateToken'), A.requester, PROTECTED.deleteService, A.operationDigest, A.issuer, m_value(PROTECTED.deleteService), may, A.verified)
if err then return err end
err = check_gate_policies(gate, { old }, may)
if err then return err end
err = check_change_base(gate, service_change_base(service), 'the policy of ' .. service)
if err then return err end
commit_gate(gate, tonumber(A.retentionMs))
redis.call('DEL', KEY.service(service))
redis.call('HDEL', key('customServices'), service)
redis.call('HDEL', key('mValues'), service)
audit('quorum.service_deleted', { service = service })
return 1
