#include "domain/ids.hpp"

#include <set>

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

RandomSource Counting(unsigned char start) {
  return [start](unsigned char* out, size_t size) {
    for (size_t i = 0; i < size; ++i) out[i] = static_cast<unsigned char>(start + i);
  };
}

TEST(DomainIds, InjectedRandomnessGivesAPredictableId) {
  EXPECT_EQ(NewId(Counting(0)), "abcdefghijklmnopqrst");
  // Only the low five bits of each byte matter.
  EXPECT_EQ(NewId(Counting(32)), "abcdefghijklmnopqrst");
  EXPECT_EQ(NewId(Counting(26)), "234567abcdefghijklmn");
}

TEST(DomainIds, IdsHaveTheDocumentedShape) {
  std::string id = NewId();
  EXPECT_EQ(id.size(), kIdLength);
  EXPECT_TRUE(LooksLikeId(id));
  for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) << id;
}

TEST(DomainIds, SystemIdsDoNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewId());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(DomainIds, LooksLikeIdRejectsOtherText) {
  EXPECT_FALSE(LooksLikeId(""));
  EXPECT_FALSE(LooksLikeId("abcdefghijklmnopqrs"));
  EXPECT_FALSE(LooksLikeId("abcdefghijklmnopqrstu"));
  EXPECT_FALSE(LooksLikeId("ABCDEFGHIJKLMNOPQRST"));
  EXPECT_FALSE(LooksLikeId("abcdefghijklmnopqrs1"));
  EXPECT_FALSE(LooksLikeId("abcdefghij' OR 1=1--"));
  EXPECT_TRUE(LooksLikeId("abcdefghijklmnopqrs7"));
}

}  // namespace
}  // namespace gp::domain
