"""The fleet's Redis scripts: each does, atomically, one step that touches several keys.

Atomic because a worker may die between any two commands: a request is always
either queued or claimed, an article either reserved or recorded. Several keys
per script is also why Redis Cluster is not supported (see the package
docstring).
"""

from __future__ import annotations

SCORE_SUFFIX = ":score"

# Pop the best request and claim it for a worker, in one step: a request is
# always either queued or claimed, never only in a dead process's memory.
POP_CLAIM = r"""
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[1], ARGV[1] .. ':score', r[2])
return r[1]
"""

# Put every claim of a worker back in the queue.
REQUEUE_CLAIMS = r"""
local all = redis.call('HGETALL', KEYS[1])
local moved = 0
for i = 1, #all, 2 do
  local field = all[i]
  if string.sub(field, -6) ~= ':score' then
    local score = redis.call('HGET', KEYS[1], field .. ':score') or '0'
    redis.call('ZADD', KEYS[2], score, all[i + 1])
    moved = moved + 1
  end
end
redis.call('DEL', KEYS[1])
return moved
"""

# Decide what an extracted article is, and reserve its id if it is to be
# emitted. Returns {outcome, detail}: reserved (detail: version), unchanged,
# duplicate (this run has it already), in_flight (a live worker is writing
# it) or held (a worker that stopped reserved it; detail: that worker).
RESERVE = r"""
local p = redis.call('HGET', KEYS[2], ARGV[1])
if p then
  local holder = cjson.decode(p)['worker']
  if holder == ARGV[2] then return {'duplicate', holder} end
  if redis.call('EXISTS', ARGV[6] .. holder) == 1 then return {'in_flight', holder} end
  return {'held', holder}
end
local version = 1
local a = redis.call('HGET', KEYS[1], ARGV[1])
if a then
  local known = cjson.decode(a)
  if known['run'] == ARGV[7] then return {'duplicate', ''} end
  if known['hash'] == ARGV[3] then
    known['last_seen'] = ARGV[4]
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(known))
    return {'unchanged', ''}
  end
  version = tonumber(known['version']) + 1
end
local entry = cjson.decode(ARGV[5])
entry['version'] = version
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(entry))
redis.call('HSET', KEYS[3], ARGV[1], ARGV[8])
return {'reserved', tostring(version)}
"""

# Record an article whose line is on disk, and drop the writer's reservation.
RECORD = r"""
local entry = cjson.decode(ARGV[2])
local a = redis.call('HGET', KEYS[1], ARGV[1])
if a then entry['first_seen'] = cjson.decode(a)['first_seen'] else entry['first_seen'] = ARGV[3] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
local p = redis.call('HGET', KEYS[2], ARGV[1])
if p and cjson.decode(p)['worker'] == ARGV[4] then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
return 1
"""

# Give a reservation's request back to a queue (its line was never written).
RELEASE = r"""
local p = redis.call('HGET', KEYS[1], ARGV[1])
if not p then return 0 end
local entry = cjson.decode(p)
if ARGV[2] ~= '' and entry['worker'] ~= ARGV[2] then return 0 end
local data = redis.call('HGET', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if data then redis.call('RPUSH', KEYS[2], tostring(entry['score']) .. '\n' .. data) end
return 1
"""

# Move released requests into the running queue.
DRAIN_CARRY = r"""
local moved = 0
while true do
  local encoded = redis.call('LPOP', KEYS[1])
  if not encoded then break end
  local cut = string.find(encoded, '\n', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(encoded, 1, cut - 1), string.sub(encoded, cut + 1))
  moved = moved + 1
end
return moved
"""

# End the run if it is this one and nothing is left anywhere in it.
FINISH = r"""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[2] .. worker) > 0 then return 0 end
end
redis.call('DEL', KEYS[1])
return 1
"""

# An article fetched again and unchanged (a 304): only its last-seen time
# moves, atomically with any worker recording it meanwhile.
TOUCH = r"""
local a = redis.call('HGET', KEYS[1], ARGV[1])
if not a then return 0 end
local known = cjson.decode(a)
known['last_seen'] = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(known))
return 1
"""

_SOURCES = {
    "pop_claim": POP_CLAIM,
    "requeue": REQUEUE_CLAIMS,
    "reserve": RESERVE,
    "record": RECORD,
    "touch": TOUCH,
    "release": RELEASE,
    "drain": DRAIN_CARRY,
    "finish": FINISH,
}


def register(server) -> dict:
    """The scripts, registered with a Redis client, by name."""
    return {name: server.register_script(source) for name, source in _SOURCES.items()}
