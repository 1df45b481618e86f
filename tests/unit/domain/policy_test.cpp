#include "domain/policy.hpp"

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

TEST(DomainPolicy, PairsAreSymmetric) {
  PairSet pairs;
  EXPECT_TRUE(pairs.Add("b", "a"));
  EXPECT_TRUE(pairs.Allowed("a", "b"));
  EXPECT_TRUE(pairs.Allowed("b", "a"));
  EXPECT_FALSE(pairs.Allowed("a", "c"));
  EXPECT_EQ(pairs.Pairs(), (std::vector<Pair>{{"a", "b"}}));
  pairs.Add("a", "b");
  EXPECT_EQ(pairs.size(), 1u);
  EXPECT_TRUE(pairs.Remove("b", "a"));
  EXPECT_FALSE(pairs.Allowed("a", "b"));
  EXPECT_FALSE(pairs.Remove("a", "b"));
}

TEST(DomainPolicy, NobodyIsPairedWithThemself) {
  PairSet pairs;
  EXPECT_FALSE(pairs.Add("a", "a"));
  EXPECT_EQ(pairs.size(), 0u);
  EXPECT_FALSE(pairs.Allowed("a", "a"));
  PairSet from_list({{"a", "a"}, {"a", "b"}});
  EXPECT_EQ(from_list.Pairs(), (std::vector<Pair>{{"a", "b"}}));
}

TEST(DomainPolicy, MissingPairsNamesEveryForbiddenPair) {
  PairSet pairs({{"a", "b"}, {"b", "c"}});
  EXPECT_TRUE(pairs.MissingPairs({"a", "b"}).empty());
  EXPECT_TRUE(pairs.MissingPairs({"b", "a", "b"}).empty());
  EXPECT_EQ(pairs.MissingPairs({"c", "b", "a"}), (std::vector<Pair>{{"a", "c"}}));
  EXPECT_EQ(pairs.MissingPairs({"a", "d", "c"}), (std::vector<Pair>{{"a", "c"}, {"a", "d"}, {"c", "d"}}));
  EXPECT_TRUE(pairs.MissingPairs({"a"}).empty());
  EXPECT_TRUE(pairs.MissingPairs({}).empty());
}

TEST(DomainPolicy, MemberKeyIsOrderAndDuplicateFree) {
  EXPECT_EQ(MemberKey({"c", "a", "b", "a"}), "a,b,c");
  EXPECT_EQ(MemberKey({"b", "a"}), MemberKey({"a", "b"}));
  EXPECT_EQ(MemberKey({"x"}), "x");
  EXPECT_EQ(MemberKey({}), "");
}

TEST(DomainPolicy, RevokedPairsAreThoseThatDisappear) {
  std::vector<Pair> before = {{"a", "b"}, {"c", "b"}, {"a", "d"}};
  std::vector<Pair> after = {{"b", "a"}, {"d", "e"}};
  EXPECT_EQ(RevokedPairs(before, after), (std::vector<Pair>{{"a", "d"}, {"b", "c"}}));
  EXPECT_TRUE(RevokedPairs(before, before).empty());
  EXPECT_TRUE(RevokedPairs({}, after).empty());
  EXPECT_EQ(RevokedPairs(before, {}).size(), 3u);
}

TEST(DomainPolicy, ValidatePairsNormalizesAndDeduplicates) {
  std::set<std::string> known = {"a", "b", "c"};
  auto valid = ValidatePairs({{"b", "a"}, {"a", "b"}, {"c", "a"}}, known);
  ASSERT_TRUE(valid) << valid.error().message;
  EXPECT_EQ(*valid, (std::vector<Pair>{{"a", "b"}, {"a", "c"}}));
  auto empty = ValidatePairs({}, known);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(DomainPolicy, ValidatePairsNamesTheBadEntry) {
  std::set<std::string> known = {"a", "b"};
  auto unknown = ValidatePairs({{"a", "b"}, {"a", "zz"}}, known);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(unknown.error().message, "pairs[1]: no guest has the id 'zz'.");
  auto self = ValidatePairs({{"b", "b"}}, known);
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().message, "pairs[0]: a guest cannot be paired with themself.");
  auto hostile = ValidatePairs({{"a", std::string(5000, 'x') + "\n"}}, known);
  ASSERT_FALSE(hostile);
  EXPECT_LT(hostile.error().message.size(), 120u);
  EXPECT_EQ(hostile.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace gp::domain
