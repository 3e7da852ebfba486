-- Reads a token as every reader gets it (see token_snapshot).
-- KEYS: token mValues
-- Reaches: user userKeys group officers service — the token's voters (whether their votes count), its service's policy in force (its progress when the policy changed; a break-glass token's rules)
-- ARGV: requesterMayApprove
--   `requesterMayApprove` '1' when the requester may approve
-- Returns: {flat token hash, ids of the counting votes, approvals needed now, status now}.
return token_snapshot(key('token'), A.requesterMayApprove == '1')
