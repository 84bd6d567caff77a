"""Django's Redis cache backend, with one redis-py client per connection pool instead of one per operation.

Django builds a new redis.Redis object for every cache call; its constructor fills a table of some 170 response
callbacks, about 0.3 ms, as much as whitenoise takes to serve a small static file, and a public page kept for
anonymous visitors (registry/public/cache.py) costs one cache call. A redis-py client is thread-safe and holds no
connection of its own (the pool does, and reopens them after a fork), so one per pool is shared by every call.
Written against Django 5.2's RedisCacheClient (its pools and client class); tests/public/test_public_cache.py runs on it when
REDIS_URL is set.
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
