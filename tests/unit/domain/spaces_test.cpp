#include "domain/spaces.hpp"

#include <gtest/gtest.h>

#include "domain/text.hpp"

namespace gp::domain {
namespace {

TEST(DomainSpaces, DefaultTitleJoinsNames) {
  EXPECT_EQ(DefaultTitle({}), "New space");
  EXPECT_EQ(DefaultTitle({"Ann"}), "Ann");
  EXPECT_EQ(DefaultTitle({"Ann", "Bob"}), "Ann and Bob");
  EXPECT_EQ(DefaultTitle({"Ann", "Bob", "Cy"}), "Ann, Bob and Cy");
}

TEST(DomainSpaces, LongListsEndWithAndNOthers) {
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i) names.push_back("Person number " + std::to_string(i));
  std::string title = DefaultTitle(names);
  EXPECT_LE(CodePointCount(title), kMaxTitleLength);
  EXPECT_TRUE(title.starts_with("Person number 0, Person number 1, ")) << title;
  // Five names and the suffix fit in 100 characters; six do not.
  EXPECT_EQ(title, "Person number 0, Person number 1, Person number 2, Person number 3, Person number 4 and 25 others");
  EXPECT_TRUE(ValidateTitle(title));
}

TEST(DomainSpaces, OneOtherIsSingular) {
  std::vector<std::string> names = {std::string(60, 'a'), std::string(60, 'b')};
  EXPECT_EQ(DefaultTitle(names), std::string(60, 'a') + " and 1 other");
}

TEST(DomainSpaces, AHugeFirstNameIsCut) {
  std::string title = DefaultTitle({std::string(300, 'a'), "Bob"});
  EXPECT_EQ(CodePointCount(title), kMaxTitleLength);
  EXPECT_TRUE(title.ends_with("... and 1 other")) << title;
  std::string alone = DefaultTitle({std::string(150, 'z')});
  EXPECT_EQ(alone, std::string(97, 'z') + "...");
  std::string wide;
  for (int i = 0; i < 150; ++i) wide += "\xC3\xA9";
  std::string cut = DefaultTitle({wide});
  EXPECT_TRUE(IsValidUtf8(cut));
  EXPECT_EQ(CodePointCount(cut), kMaxTitleLength);
}

TEST(DomainSpaces, ValidateTitle) {
  EXPECT_TRUE(ValidateTitle(""));  // means: use the default
  EXPECT_TRUE(ValidateTitle("Weekly check-in"));
  EXPECT_TRUE(ValidateTitle("<img src=x onerror=alert(1)>"));
  auto blank = ValidateTitle("   ");
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error().message, "The title must not be blank.");
  EXPECT_EQ(blank.error().field, "title");
  EXPECT_TRUE(ValidateTitle(std::string(100, 't')));
  EXPECT_EQ(ValidateTitle(std::string(101, 't')).error().message, "The title must be at most 100 characters.");
  EXPECT_EQ(ValidateTitle("a\tb").error().message, "The title must not contain control characters.");
  EXPECT_EQ(ValidateTitle("bad \xFE").error().message, "The title must be valid UTF-8 text.");
}

}  // namespace
}  // namespace gp::domain
