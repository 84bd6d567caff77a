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


def test_a_counter_lives_from_its_first_count_for_its_period_and_counts_in_one_round_trip(monkeypatch):
    """count_within(), the API throttle's counter, given the proxy DRF's throttles hold (django.core.cache.cache): on
    Redis it counts with its expiry set at the first count, in one round trip (one pipeline, no other command)."""
    from redis.client import Redis

    from registry.core.cache import count_within, seconds_left

    key = f"test:counter:{uuid.uuid4().hex}"
    single_commands = []
    original = Redis.execute_command
    monkeypatch.setattr(
        Redis,
        "execute_command",
        lambda self, *args, **kw: single_commands.append(args[0]) or original(self, *args, **kw),
    )

    assert [count_within(key, 30, using=cache) for _ in range(3)] == [1, 2, 3]
    assert single_commands == []
    monkeypatch.undo()
    assert 25 <= seconds_left(key, 999, using=cache) <= 30
    cache.delete(key)
