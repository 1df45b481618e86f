#include "core/versioned_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace gp {
namespace {

using Cache = VersionedCache<int, std::string>;

TEST(VersionedCache, ReturnsAValueOnlyForTheVersionItWasStoredWith) {
  Cache cache(8);
  EXPECT_EQ(cache.Get("a", 1), std::nullopt);
  cache.Put("a", 1, "one");
  EXPECT_EQ(cache.Get("a", 1), "one");
  EXPECT_EQ(cache.Get("b", 1), std::nullopt);
  EXPECT_EQ(cache.Get("a", 2), std::nullopt);
  // Asking with another version does not change what is stored.
  EXPECT_EQ(cache.Get("a", 1), "one");
}

TEST(VersionedCache, ANewVersionDropsEverythingStoredBefore) {
  Cache cache(8);
  cache.Put("a", 1, "a1");
  cache.Put("b", 1, "b1");
  EXPECT_EQ(cache.size(), 2u);
  cache.Put("a", 2, "a2");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("a", 2), "a2");
  EXPECT_EQ(cache.Get("b", 2), std::nullopt);
  EXPECT_EQ(cache.Get("b", 1), std::nullopt);
  // A value computed from an older read replaces the newer ones, and is served only for its version.
  cache.Put("b", 1, "b1-late");
  EXPECT_EQ(cache.Get("a", 2), std::nullopt);
  EXPECT_EQ(cache.Get("b", 1), "b1-late");
}

TEST(VersionedCache, ReplacingAKeyKeepsOneEntry) {
  Cache cache(2);
  cache.Put("a", 1, "first");
  cache.Put("a", 1, "second");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("a", 1), "second");
}

TEST(VersionedCache, StaysWithinItsCapacity) {
  Cache cache(3);
  for (int i = 0; i < 10; ++i) {
    cache.Put("k" + std::to_string(i), 7, std::to_string(i));
    EXPECT_LE(cache.size(), 3u);
    EXPECT_EQ(cache.Get("k" + std::to_string(i), 7), std::to_string(i));
  }
  Cache none(0);
  none.Put("a", 1, "x");
  EXPECT_EQ(none.Get("a", 1), std::nullopt);
}

TEST(VersionedCache, ConcurrentUseKeepsEveryAnswerConsistent) {
  Cache cache(16);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        int version = i / 100;
        std::string key = "k" + std::to_string((i + t) % 20);
        std::string value = key + "@" + std::to_string(version);
        if (auto got = cache.Get(key, version); got && *got != value) ++wrong;
        cache.Put(key, version, value);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 16u);
}

}  // namespace
}  // namespace gp
