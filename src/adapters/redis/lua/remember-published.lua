-- Remembers published outbox entries in the ledger, many at once.
-- KEYS ledger keys (published:<entryId>); ARGV[1] how long to remember, in ms.
for _, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'PX', ARGV[1])
end
return #KEYS
