#include "core/crypto.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/encoding.hpp"

namespace gp::crypto {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class CryptoKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gp-crypto-" + HexEncode(RandomBytes(8)));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static unsigned Mode(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  static void WriteFile(const fs::path& path, const std::string& bytes, unsigned mode) {
    std::ofstream(path, std::ios::binary) << bytes;
    ::chmod(path.c_str(), mode);
  }
  fs::path dir_;
};

TEST(CryptoTest, HmacSha1MatchesRfc2202) {
  EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\x0b'), "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  EXPECT_EQ(HexEncode(HmacSha1(std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, Sha256OfAbc) {
  EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, PkceChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(PkceChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(CryptoTest, RandomTokensAreUrlSafeAndDistinct) {
  std::string a = RandomToken();
  std::string b = RandomToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);  // 32 bytes, unpadded base64
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(RandomBytes(17).size(), 17u);
  EXPECT_EQ(Base64Decode(RandomToken(24)).value().size(), 24u);
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(CryptoTest, SecretBoxRoundTripsAndRejectsTampering) {
  auto box = SecretBox::FromKey(std::string(32, 'k'));
  ASSERT_TRUE(box.has_value());
  std::string sealed = box->Encrypt("an access token");
  EXPECT_EQ(sealed.find("an access token"), std::string::npos);
  EXPECT_NE(box->Encrypt("an access token"), sealed);  // random nonce each time
  EXPECT_EQ(box->Decrypt(sealed).value(), "an access token");
  EXPECT_EQ(box->Decrypt(box->Encrypt("")).value(), "");

  for (std::size_t i : {std::size_t{0}, std::size_t{30}, sealed.size() - 1}) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    auto opened = box->Decrypt(tampered);
    ASSERT_FALSE(opened.has_value()) << "byte " << i;
    EXPECT_EQ(opened.error().code, ErrorCode::kBadRequest);
  }
  EXPECT_FALSE(box->Decrypt(sealed.substr(0, 20)).has_value());
  EXPECT_FALSE(box->Decrypt("").has_value());

  auto other = SecretBox::FromKey(std::string(32, 'x'));
  EXPECT_FALSE(other->Decrypt(sealed).has_value());
  EXPECT_FALSE(SecretBox::FromKey("short").has_value());
}

TEST_F(CryptoKeyFileTest, CreatesKeyFileWithMode0600AndReusesIt) {
  fs::path path = dir_ / "nested" / "dir" / "secret.key";
  auto first = SecretBox::LoadOrCreateKeyFile(path.string());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(fs::file_size(path), 32u);
  EXPECT_EQ(Mode(path), 0600u);

  auto second = SecretBox::LoadOrCreateKeyFile(path.string());
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->Decrypt(first->Encrypt("kept across restarts")).value(), "kept across restarts");
}

TEST_F(CryptoKeyFileTest, RefusesKeyFileReadableByOthers) {
  fs::path path = dir_ / "secret.key";
  WriteFile(path, std::string(32, 'k'), 0644);
  auto box = SecretBox::LoadOrCreateKeyFile(path.string());
  ASSERT_FALSE(box.has_value());
  EXPECT_NE(box.error().message.find("0644"), std::string::npos) << box.error().message;
  EXPECT_NE(box.error().message.find("chmod 600"), std::string::npos) << box.error().message;

  ::chmod(path.c_str(), 0640);
  EXPECT_FALSE(SecretBox::LoadOrCreateKeyFile(path.string()).has_value());
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(SecretBox::LoadOrCreateKeyFile(path.string()).has_value());
}

TEST_F(CryptoKeyFileTest, RefusesKeyFileOfTheWrongSize) {
  fs::path path = dir_ / "secret.key";
  WriteFile(path, std::string(31, 'k'), 0600);
  auto box = SecretBox::LoadOrCreateKeyFile(path.string());
  ASSERT_FALSE(box.has_value());
  EXPECT_NE(box.error().message.find("32 bytes"), std::string::npos) << box.error().message;
  EXPECT_EQ(fs::file_size(path), 31u);  // left alone
}

TEST(CryptoTest, PasswordHashVerifiesOnlyTheRightPassword) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  EXPECT_FALSE(VerifyPassword("not a hash", "correct horse"));
  EXPECT_FALSE(VerifyPassword("", "correct horse"));
  EXPECT_NE(HashPassword("correct horse").value(), *hash);  // salted
}

}  // namespace
}  // namespace gp::crypto
