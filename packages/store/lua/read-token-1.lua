-- Reads a token and, for each vote, the voter's current key fingerprint (one snapshot).
-- KEYS[1] token key
-- Returns {flat token hash, flat list of user id, current fingerprint ('' if none)}.
return token_snapshot(KEYS[1])
