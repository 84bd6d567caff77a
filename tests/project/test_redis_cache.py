"""The Redis cache backend (registry/core/cache.py), built on Django's private RedisCacheClient: one redis-py client per
connection pool, shared by every call. On Redis only (REDIS_URL); bench/cache_client.py measures what it buys."""

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL=redis://...)")


def test_the_cache_is_ours_on_redis():
    assert settings.CACHES["default"]["BACKEND"] == "registry.core.cache.SharedClientRedisCache"


def test_every_call_shares_one_client_and_still_reads_what_it_wrote():
    key = f"test:shared-client:{uuid.uuid4().hex}"
    first = cache._cache.get_client(key)

    cache.set(key, {"status": "active"}, timeout=30)

    assert cache.get(key) == {"status": "active"}
    assert cache.get_many([key, f"{key}:absent"]) == {key: {"status": "active"}}
    # Reads and writes go to the one server's pool, so to its one client.
    assert cache._cache.get_client(key, write=True) is first
    assert cache._cache.get_client() is first
    cache.delete(key)
