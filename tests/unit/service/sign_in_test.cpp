// GuestAuth::SignIn: hashes are brought up to the configured cost, a disable that lands during a
// sign-in wins, and absurd input costs no more than a wrong password.
#include "service/sign_in.hpp"

#include <gtest/gtest.h>

#include "domain/guests.hpp"
#include "fakes.hpp"

namespace gp::service {
namespace {

class SignInTest : public fakes::ServiceTest {
 protected:
  void SetUp() override { SignInAppAdmin(); }

  webex::Task<GuestSignIn> SignIn(const std::string& username, const std::string& password) {
    return guest_auth_->SignIn(username, password, "192.0.2.1");
  }
};

TEST_F(SignInTest, AHashMadeWithOtherParametersIsReplacedAtSignIn) {
  crypto::PasswordParams old_params = TestPasswordParams();
  old_params.iterations = 3;
  auto guest = AddGuest("ann", "Ann", old_params);
  ASSERT_TRUE(crypto::NeedsRehash(guest.password_hash, TestPasswordParams()));

  auto signed_in = Run(SignIn("ann", kPassword));
  ASSERT_TRUE(signed_in) << signed_in.error().message;
  EXPECT_EQ(signed_in->guest.id, guest.id);

  auto stored = storage_->GetGuest(guest.id);
  ASSERT_TRUE(stored);
  EXPECT_NE(stored->password_hash, guest.password_hash);
  EXPECT_FALSE(crypto::NeedsRehash(stored->password_hash, TestPasswordParams()));
  EXPECT_TRUE(crypto::VerifyPassword(stored->password_hash, kPassword));
  // And the guest can still sign in with it.
  EXPECT_TRUE(Run(SignIn("ann", kPassword)));
}

TEST_F(SignInTest, AHashWithTheConfiguredParametersIsLeftAsItIs) {
  auto guest = AddGuest("ann", "Ann");
  ASSERT_TRUE(Run(SignIn("ann", kPassword)));
  auto stored = storage_->GetGuest(guest.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->password_hash, guest.password_hash);
}

TEST_F(SignInTest, ASignInGivesASessionThatResolves) {
  auto guest = AddGuest("ann", "Ann");
  auto signed_in = Run(SignIn("ANN", kPassword));  // usernames are case-insensitive
  ASSERT_TRUE(signed_in) << signed_in.error().message;
  auto session = sessions_->Resolve(signed_in->session.cookie_value);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->role, "guest");
  EXPECT_EQ(session->guest_id, guest.id);
  EXPECT_EQ(provider_->calls(), 1);
}

TEST_F(SignInTest, AGuestDisabledDuringTheirFirstSignInEndsDisabledWithoutASession) {
  auto guest = AddGuest("ann", "Ann");
  bool disabled_meanwhile = false;
  // The first sign-in creates the guest's Webex identity; the administrator disables the guest
  // while that call is in flight.
  provider_->SetHook([&](const std::string& subject) {
    ASSERT_EQ(subject, guest.id);
    GuestChanges disable;
    disable.disabled = true;
    auto updated = guests_->Update(guest.id, disable, "admin:admin@example.com");
    ASSERT_TRUE(updated) << updated.error().message;
    disabled_meanwhile = true;
  });
  auto signed_in = Run(SignIn("ann", kPassword));
  ASSERT_TRUE(disabled_meanwhile);
  ASSERT_FALSE(signed_in);
  EXPECT_EQ(signed_in.error().code, ErrorCode::kForbidden);
  auto stored = storage_->GetGuest(guest.id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->disabled);
  EXPECT_EQ(CountAndDropAllSessions(), 0);
}

TEST_F(SignInTest, AnOverlongUsernameIsRefusedLikeAWrongPassword) {
  AddGuest("ann", "Ann");
  auto wrong = Run(SignIn("ann", "not the password"));
  ASSERT_FALSE(wrong);
  auto overlong = Run(SignIn(std::string(10 * 1024, 'a'), kPassword));
  ASSERT_FALSE(overlong);
  EXPECT_EQ(overlong.error().code, wrong.error().code);
  EXPECT_EQ(overlong.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(overlong.error().reason, wrong.error().reason);
  EXPECT_EQ(overlong.error().message, wrong.error().message);
  EXPECT_EQ(provider_->calls(), 0);
  EXPECT_EQ(CountAndDropAllSessions(), 0);
}

TEST_F(SignInTest, AnOverlongPasswordIsRefusedLikeAWrongPassword) {
  // The longest password an account can have, and one byte more that starts with it.
  const std::string longest(domain::kPasswordMaxBytes, 'p');
  storage::GuestRecord guest;
  guest.id = "g-ann";
  guest.username = "ann";
  guest.display_name = "Ann";
  guest.password_hash = *crypto::HashPassword(longest, TestPasswordParams());
  ASSERT_TRUE(storage_->CreateGuest(guest));
  auto wrong = Run(SignIn("ann", "not the password"));
  ASSERT_FALSE(wrong);
  auto overlong = Run(SignIn("ann", longest + "p"));
  ASSERT_FALSE(overlong);
  EXPECT_EQ(overlong.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(overlong.error().reason, wrong.error().reason);
  EXPECT_EQ(overlong.error().message, wrong.error().message);
  auto megabyte = Run(SignIn("ann", longest + std::string(1 << 20, 'p')));
  ASSERT_FALSE(megabyte);
  EXPECT_EQ(megabyte.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(provider_->calls(), 0);
  EXPECT_EQ(CountAndDropAllSessions(), 0);
  // The longest itself is fine.
  EXPECT_TRUE(Run(SignIn("ann", longest)));
}

TEST_F(SignInTest, MegabyteFieldsLeaveOnlyBoundedTraces) {
  AddGuest("ann", "Ann");
  const std::string megabyte(1 << 20, 'm');
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(Run(SignIn(megabyte + std::to_string(i), kPassword)));
    EXPECT_FALSE(Run(SignIn("ann", megabyte + std::to_string(i))));
  }
  auto audit = storage_->ListAudit({});
  ASSERT_TRUE(audit) << audit.error().message;
  ASSERT_EQ(audit->size(), 6u);
  for (const auto& record : *audit) {
    EXPECT_LE(record.actor.size(), domain::kUsernameMaxLength + 6);  // "guest:" + the username
    EXPECT_LE(record.target.size(), domain::kUsernameMaxLength);
    EXPECT_LE(record.detail.size(), Audit::kMaxFieldBytes);
  }
  EXPECT_LE(throttle_.TrackedKeyBytes(), 2 * domain::ThrottleOptions{}.max_key_bytes);
}

TEST_F(SignInTest, AnUnknownUsernameIsRefusedLikeAWrongPassword) {
  AddGuest("ann", "Ann");
  auto wrong = Run(SignIn("ann", "not the password"));
  auto unknown = Run(SignIn("nobody", kPassword));
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, wrong.error().code);
  EXPECT_EQ(unknown.error().reason, wrong.error().reason);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

}  // namespace
}  // namespace gp::service
