-- Extends a lease lock only if it still holds our token (compare-and-pexpire).
-- KEYS[1] lock key, ARGV[1] token, ARGV[2] new lease in ms. Returns 1 if extended, 0 if lost.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
