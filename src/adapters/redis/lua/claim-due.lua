-- Claims consents whose expiry is due, atomically, so replicas sweeping together never take the
-- same consent. A claim is a lease: claims not completed by their deadline (a crashed sweeper)
-- are handed out again.
-- KEYS[1] due set (score = due time ms), KEYS[2] claimed set (score = lease deadline ms)
-- ARGV[1] now ms, ARGV[2] limit, ARGV[3] lease deadline ms. Returns the claimed consent ids.
local now, limit, deadline = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(stale) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], 'NX', now, id)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], deadline, id)
end
return due
