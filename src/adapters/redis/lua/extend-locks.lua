-- Extends many leases at once, each only if it still holds our token (compare-and-pexpire).
-- KEYS lock keys; ARGV[1] new lease in ms, ARGV[1 + i] the token for KEYS[i].
-- Returns, per key, 1 if extended, 0 if lost.
local kept = {}
for i, key in ipairs(KEYS) do
  kept[i] = (redis.call('GET', key) == ARGV[i + 1]) and redis.call('PEXPIRE', key, ARGV[1]) or 0
end
return kept
