-- Asks for many lease locks at once (SET NX PX each), one round trip for a round of the pipeline.
-- KEYS lock keys; ARGV[1] lease in ms, ARGV[1 + i] the token for KEYS[i].
-- Returns, per key, 1 if the lease is ours now, 0 if another holder has it.
local acquired = {}
for i, key in ipairs(KEYS) do
  acquired[i] = redis.call('SET', key, ARGV[i + 1], 'NX', 'PX', ARGV[1]) and 1 or 0
end
return acquired
