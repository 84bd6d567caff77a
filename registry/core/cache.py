"""Django's Redis cache backend, with one redis-py client per connection pool instead of one per operation.

Django builds a new redis.Redis object for every cache call, and a public page kept for anonymous visitors
(registry/public/cache.py) costs one cache call. A redis-py client is thread-safe and holds no connection of its own
(the pool does, and reopens them after a fork), so one per pool is shared by every call.

What it buys, measured by bench/cache_client.py (Django's stock backend and this one in the same run, local Redis,
2 CPUs; ten runs under a load average of 0.5 to 3): a cache.get 150–375 µs with the stock backend, 66–198 µs with
this one (× 1.6–2.5); a public page served from the page cache through the whole middleware stack 730–2089 µs against
634–1494 µs (× 1.05–1.58, median × 1.23): about 0.2 ms (0.06–0.8) off pages that take about 1 ms of a worker.
Written against Django 5.2's RedisCacheClient (its private _get_connection_pool and _client): after a Django upgrade,
tests/project/test_redis_cache.py and tests/public/test_public_cache.py run on it when REDIS_URL is set, and the bench
says whether it still pays.

count_within() and seconds_left(): a counter that lives a fixed time, in one Redis round trip (the API's throttle).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Two threads may both build one here: the second replaces the first, which is harmless.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient


def count_within(key: str, seconds: int, *, using=None) -> int:
    """Add one to the counter `key` and return its value; the counter starts at the first call and is gone `seconds`
    later. On Redis one round trip (SET NX EX, then INCR, in one transaction, so that a counter never lives without
    its expiry); elsewhere (the in-memory cache of development) add() then incr()."""
    cache = _backend(using)
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        with cache._cache.get_client(name, write=True).pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=seconds, nx=True)
            pipe.incr(name)
            _created, count = pipe.execute()
        return count
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: a new period starts with this one
        cache.add(key, 1, timeout=seconds)
        return 1


def seconds_left(key: str, default: int, *, using=None) -> int:
    """Seconds until the counter `key` of count_within() is gone: its time to live on Redis, `default` elsewhere."""
    cache = _backend(using)
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        left = cache._cache.get_client(name).ttl(name)
        return left if left and left > 0 else default
    return default


def _backend(using):
    """The cache backend itself: django.core.cache.cache (what DRF's throttles hold) is a proxy to it, which is no
    RedisCache for isinstance()."""
    from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches

    return using if isinstance(using, BaseCache) else caches[DEFAULT_CACHE_ALIAS]


# max(the counter + 1, now), atomically: a counter that is the time of its last move, in µs, and never goes back.
_ADVANCE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local moved = now > current and now or current + 1
redis.call('SET', KEYS[1], moved)
return moved
"""


def advance_to_now(key: str, now: int, *, using=None) -> int:
    """Move the counter `key` (kept for good) to `now`, or one past its value when that is already as high, and return
    it: a number that grows at each call and reads as the time of the last one. On Redis one atomic script; elsewhere
    (the in-memory cache of one development process) a read and a write."""
    cache = _backend(using)
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        return int(cache._cache.get_client(name, write=True).eval(_ADVANCE, 1, name, now))
    moved = max(now, (cache.get(key) or 0) + 1)
    cache.set(key, moved, timeout=None)
    return moved
