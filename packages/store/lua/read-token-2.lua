-- Reads a token as every reader gets it (see token_snapshot).
-- KEYS: token mValues
-- Reaches: group officers service user userKeys — the token's voters (whether their votes count)
-- ARGV: requesterMayApprove
--   `requesterMayApprove` '1' when the requester may approve
-- Returns: {flat token hash, ids of the counting votes, approvals needed now, status now}.
return token_snapshot(key('token'), A.requesterMayApprove == '1')
