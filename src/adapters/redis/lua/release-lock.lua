-- Releases a lease lock only if it still holds our token (compare-and-delete), so a worker
-- whose lease expired cannot delete the lock another worker now holds.
-- KEYS[1] lock key, ARGV[1] token. Returns 1 if released, 0 if the lock was not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
