#include "service/sessions.hpp"

#include <gtest/gtest.h>

#include "storage/open.hpp"

namespace gp::service {
namespace {

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::OpenStorage("sqlite::memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    storage_ = std::move(*opened);
    ASSERT_TRUE(storage_->Migrate());
    storage::GuestRecord guest;
    guest.id = "g1";
    guest.username = "ann";
    guest.display_name = "Ann";
    guest.password_hash = "x";
    ASSERT_TRUE(storage_->CreateGuest(guest));
    sessions_ = std::make_unique<Sessions>(*storage_, [this] { return now_; }, 3600);
  }

  int64_t now_ = 1'000'000;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<Sessions> sessions_;
};

TEST_F(SessionsTest, ResolvesTheCookieOfANewSession) {
  auto created = sessions_->CreateForGuest("g1");
  ASSERT_TRUE(created);
  auto session = sessions_->Resolve(created->cookie_value);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->role, "guest");
  EXPECT_EQ(session->guest_id, "g1");
  EXPECT_EQ(session->csrf_token, created->session.csrf_token);
  EXPECT_FALSE(sessions_->Resolve("not-a-cookie"));
}

TEST_F(SessionsTest, EndedSessionIsRefusedAtOnceEvenWhenCached) {
  auto created = sessions_->CreateForGuest("g1");
  ASSERT_TRUE(sessions_->Resolve(created->cookie_value));
  ASSERT_TRUE(sessions_->End(created->cookie_value));
  auto after = sessions_->Resolve(created->cookie_value);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, ErrorCode::kUnauthorized);
}

// Storage ends a guest's sessions (disable, delete, new password) in the transaction of the change;
// forgetting them afterwards makes that immediate here too.
TEST_F(SessionsTest, SessionsThatStorageEndedAreRefusedAtOnceOnceForgotten) {
  auto first = sessions_->CreateForGuest("g1");
  auto second = sessions_->CreateForGuest("g1");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  ASSERT_TRUE(sessions_->Resolve(first->cookie_value));
  ASSERT_TRUE(sessions_->Resolve(second->cookie_value));
  ASSERT_TRUE(storage_->DeleteSessionsForGuest("g1"));
  sessions_->ForgetGuest("g1");
  EXPECT_FALSE(sessions_->Resolve(first->cookie_value));
  EXPECT_FALSE(sessions_->Resolve(second->cookie_value));
}

TEST_F(SessionsTest, ForgettingAGuestEndsNothingByItself) {
  auto created = sessions_->CreateForGuest("g1");
  ASSERT_TRUE(created);
  ASSERT_TRUE(sessions_->Resolve(created->cookie_value));
  sessions_->ForgetGuest("g1");
  // The row is still there: the session is read again and still good.
  EXPECT_TRUE(sessions_->Resolve(created->cookie_value));
}

TEST_F(SessionsTest, SessionDeletedElsewhereLastsAtMostTheCacheTime) {
  auto created = sessions_->CreateForGuest("g1");
  ASSERT_TRUE(sessions_->Resolve(created->cookie_value));
  ASSERT_TRUE(storage_->DeleteSessionsForGuest("g1"));  // as another process would
  now_ += Sessions::kCacheSeconds - 1;
  EXPECT_TRUE(sessions_->Resolve(created->cookie_value));
  now_ += 1;
  EXPECT_FALSE(sessions_->Resolve(created->cookie_value));
}

TEST_F(SessionsTest, ExpiredSessionIsRefused) {
  auto created = sessions_->CreateForGuest("g1");
  ASSERT_TRUE(sessions_->Resolve(created->cookie_value));
  now_ += 3600;
  auto after = sessions_->Resolve(created->cookie_value);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().reason, "session_expired");
}

}  // namespace
}  // namespace gp::service
