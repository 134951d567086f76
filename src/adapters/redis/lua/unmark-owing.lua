-- Unmarks aggregates whose outbox was cleared (or that a round did not write), each only if its
-- mark is not newer than ARGV[1]: a newer round's mark of the same aggregate stays.
-- KEYS[1] the owing index; ARGV[1] the mark, ARGV[2..] the lock keys.
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
