-- Marks aggregates whose outbox may owe messages, before a round writes them.
-- KEYS[1] the owing index (sorted set: lock key -> mark), KEYS[2] its sequence.
-- ARGV the lock keys. Returns the mark: greater than every earlier one.
local mark = redis.call('INCR', KEYS[2])
for _, member in ipairs(ARGV) do
  redis.call('ZADD', KEYS[1], mark, member)
end
return mark
