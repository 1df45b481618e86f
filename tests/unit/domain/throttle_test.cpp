#include "domain/throttle.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

constexpr int64_t kStart = 1'700'000'000;

void Fail(LoginThrottle& throttle, int times, const std::string& user, const std::string& address, int64_t now) {
  for (int i = 0; i < times; ++i) throttle.RecordFailure(user, address, now);
}

TEST(DomainThrottle, FirstFiveFailuresCostNothing) {
  LoginThrottle throttle;
  Fail(throttle, 4, "ann", "10.0.0.1", kStart);
  EXPECT_TRUE(throttle.Check("ann", "10.0.0.1", kStart).allowed);
  Fail(throttle, 1, "ann", "10.0.0.1", kStart);
  auto decision = throttle.Check("ann", "10.0.0.1", kStart);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after_seconds, 2);
}

TEST(DomainThrottle, DelaysGrowThenLockOut) {
  LoginThrottle throttle;
  int64_t now = kStart;
  Fail(throttle, 5, "ann", "", now);
  std::vector<int64_t> delays;
  for (int failures = 5; failures < 10; ++failures) {
    auto decision = throttle.Check("ann", "", now);
    ASSERT_FALSE(decision.allowed);
    delays.push_back(decision.retry_after_seconds);
    now += decision.retry_after_seconds;
    ASSERT_TRUE(throttle.Check("ann", "", now).allowed);
    throttle.RecordFailure("ann", "", now);
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{2, 4, 8, 16, 32}));
  // The tenth failure refuses the username for 15 minutes.
  auto locked = throttle.Check("ann", "", now);
  EXPECT_FALSE(locked.allowed);
  EXPECT_EQ(locked.retry_after_seconds, 900);
  EXPECT_FALSE(throttle.Check("ann", "", now + 899).allowed);
  EXPECT_EQ(throttle.Check("ann", "", now + 899).retry_after_seconds, 1);
  EXPECT_TRUE(throttle.Check("ann", "", now + 900).allowed);
  // After the lockout the count starts afresh.
  throttle.RecordFailure("ann", "", now + 900);
  EXPECT_TRUE(throttle.Check("ann", "", now + 900).allowed);
}

TEST(DomainThrottle, LockoutLastsEvenWhenEarlyFailuresLeaveTheWindow) {
  LoginThrottle throttle;
  // Ten failures spread over 14 minutes.
  for (int i = 0; i < 10; ++i) throttle.RecordFailure("ann", "", kStart + i * 84);
  int64_t last = kStart + 9 * 84;
  EXPECT_FALSE(throttle.Check("ann", "", kStart + 901).allowed);
  EXPECT_FALSE(throttle.Check("ann", "", last + 899).allowed);
  EXPECT_TRUE(throttle.Check("ann", "", last + 900).allowed);
}

TEST(DomainThrottle, FailuresOlderThanTheWindowAreForgotten) {
  LoginThrottle throttle;
  Fail(throttle, 4, "ann", "", kStart);
  Fail(throttle, 1, "ann", "", kStart + 900);  // the first four are 15 minutes old now
  EXPECT_TRUE(throttle.Check("ann", "", kStart + 900).allowed);
}

TEST(DomainThrottle, UsernameAndAddressAreCountedSeparately) {
  LoginThrottle throttle;
  // One address guessing at many usernames.
  for (int i = 0; i < 5; ++i) throttle.RecordFailure("user" + std::to_string(i), "10.0.0.9", kStart);
  EXPECT_FALSE(throttle.Check("someone-else", "10.0.0.9", kStart).allowed);
  EXPECT_TRUE(throttle.Check("someone-else", "10.0.0.10", kStart).allowed);
  EXPECT_TRUE(throttle.Check("user0", "10.0.0.10", kStart).allowed);
  // Many addresses guessing at one username.
  for (int i = 0; i < 5; ++i) throttle.RecordFailure("bob", "192.168.0." + std::to_string(i), kStart);
  EXPECT_FALSE(throttle.Check("bob", "172.16.0.1", kStart).allowed);
}

TEST(DomainThrottle, TheLongerWaitWins) {
  LoginThrottle throttle;
  Fail(throttle, 10, "ann", "", kStart);
  Fail(throttle, 5, "", "10.0.0.1", kStart);
  EXPECT_EQ(throttle.Check("ann", "10.0.0.1", kStart).retry_after_seconds, 900);
}

TEST(DomainThrottle, SuccessClearsTheUsernameButNotTheAddress) {
  LoginThrottle throttle;
  Fail(throttle, 5, "ann", "10.0.0.1", kStart);
  throttle.RecordSuccess("ann", "10.0.0.1", kStart + 1);
  EXPECT_TRUE(throttle.Check("ann", "10.0.0.2", kStart + 1).allowed);
  auto by_address = throttle.Check("ann", "10.0.0.1", kStart + 1);
  EXPECT_FALSE(by_address.allowed);
  EXPECT_EQ(by_address.retry_after_seconds, 1);
}

TEST(DomainThrottle, MemoryIsBounded) {
  ThrottleOptions options;
  options.max_keys = 100;
  LoginThrottle throttle(options);
  for (int i = 0; i < 1000; ++i) {
    throttle.RecordFailure("user" + std::to_string(i), "addr" + std::to_string(i), kStart + i);
  }
  EXPECT_LE(throttle.TrackedKeys(), 200u);
  // The newest keys are kept; the oldest went first.
  Fail(throttle, 4, "user999", "", kStart + 999);
  EXPECT_FALSE(throttle.Check("user999", "", kStart + 999).allowed);
  Fail(throttle, 4, "user0", "", kStart + 999);
  EXPECT_TRUE(throttle.Check("user0", "", kStart + 999).allowed);
}

TEST(DomainThrottle, KeysAreBoundedInBytes) {
  ThrottleOptions options;
  options.max_keys = 100;
  LoginThrottle throttle(options);
  // Megabyte-long usernames and addresses, each different: every table stays within its bound.
  for (int i = 0; i < 200; ++i) {
    std::string tail = std::to_string(i);
    throttle.RecordFailure(std::string(1 << 20, 'u') + tail, std::string(1 << 20, 'a') + tail, kStart + i);
  }
  EXPECT_LE(throttle.TrackedKeys(), 2 * options.max_keys);
  EXPECT_LE(throttle.TrackedKeyBytes(), 2 * options.max_keys * options.max_key_bytes);
}

TEST(DomainThrottle, OverlongKeysAreStillCounted) {
  LoginThrottle throttle;
  const std::string long_name(64 * 1024, 'x');
  Fail(throttle, 5, long_name + "1", "", kStart);
  // Cut to the bound, different overlong names share one count: the fifth failure still slows them.
  EXPECT_FALSE(throttle.Check(long_name + "2", "", kStart).allowed);
  EXPECT_TRUE(throttle.Check("ann", "", kStart).allowed);
  throttle.RecordSuccess(long_name, "", kStart);
  EXPECT_TRUE(throttle.Check(long_name + "1", "", kStart).allowed);
}

TEST(DomainThrottle, LockedEntriesSurviveEviction) {
  ThrottleOptions options;
  options.max_keys = 3;
  LoginThrottle throttle(options);
  Fail(throttle, 10, "locked", "", kStart);          // locked until kStart + 900
  Fail(throttle, 1, "stale1", "", kStart - 2000);
  Fail(throttle, 1, "stale2", "", kStart - 1990);
  Fail(throttle, 1, "fresh", "", kStart + 10);
  EXPECT_FALSE(throttle.Check("locked", "", kStart + 10).allowed);
}

TEST(DomainThrottle, EmptyKeysAreNotTracked) {
  LoginThrottle throttle;
  Fail(throttle, 20, "", "", kStart);
  EXPECT_EQ(throttle.TrackedKeys(), 0u);
  EXPECT_TRUE(throttle.Check("", "", kStart).allowed);
}

TEST(DomainThrottle, ConcurrentUseIsSafe) {
  LoginThrottle throttle;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&throttle, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string user = "u" + std::to_string((t * 2000 + i) % 50);
        throttle.Check(user, "a" + std::to_string(t), kStart + i);
        throttle.RecordFailure(user, "a" + std::to_string(t), kStart + i);
        if (i % 7 == 0) throttle.RecordSuccess(user, "", kStart + i);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(throttle.TrackedKeys(), 54u);
}

}  // namespace
}  // namespace gp::domain
