-- Releases many leases at once, each only if it still holds our token (compare-and-delete), so a
-- worker whose lease expired cannot delete the lock another worker now holds.
-- KEYS lock keys; ARGV[i] the token for KEYS[i]. Returns how many were released.
local released = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i] then
    released = released + redis.call('DEL', key)
  end
end
return released
