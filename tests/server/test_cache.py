import pytest

from docsight.server.cache import MemoryCache, RedisCache, cache_key


def test_key_depends_on_tenant_content_engine_and_options_but_not_password() -> None:
    base = cache_key("t", "abc", "size", {"pages": "1"})
    assert base == cache_key("t", "abc", "size", {"pages": "1", "password": "x", "dpi": None})
    assert base != cache_key("t2", "abc", "size", {"pages": "1"})
    assert base != cache_key("t", "abd", "size", {"pages": "1"})
    assert base != cache_key("t", "abc", "rapidocr", {"pages": "1"})
    assert base != cache_key("t", "abc", "size", {"pages": "2"})


def test_memory_cache_ttl_lru_and_invalidation() -> None:
    cache = MemoryCache(ttl=60, max_entries=2)
    cache.put("t:a:1", b"A")
    cache.put("t:b:1", b"B")
    cache.put("u:a:1", b"C")  # evicts the oldest
    assert cache.get("t:a:1") is None and cache.get("t:b:1") == b"B"
    assert (cache.hits, cache.misses) == (1, 1)
    assert cache.invalidate("t") == 1 and cache.size() == 1
    expired = MemoryCache(ttl=-1)
    expired.put("t:a:1", b"A")
    assert expired.get("t:a:1") is None


@pytest.mark.redis
def test_redis_cache_round_trip_and_invalidation(redis_url: str) -> None:
    cache = RedisCache(redis_url, ttl=60)
    cache.put("t:sha1:k1", b"one")
    cache.put("t:sha2:k1", b"two")
    cache.put("u:sha1:k1", b"three")
    assert cache.get("t:sha1:k1") == b"one" and cache.get("t:none:k") is None
    assert (cache.hits, cache.misses) == (1, 1)
    assert cache.size() == 3
    assert cache.invalidate("t", "sha1") == 1
    assert cache.invalidate("t") == 1
    assert cache.get("u:sha1:k1") == b"three"
