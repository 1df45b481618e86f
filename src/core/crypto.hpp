#pragma once
// Cryptographic primitives used across the portal: random tokens, digests and MACs, PKCE, token
// encryption at rest (libsodium secretbox) and password hashing (Argon2id).

#include <array>
#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gp::crypto {

// `n` bytes from the operating system's CSPRNG.
std::string RandomBytes(std::size_t n);
// `bytes` random bytes, base64url without padding (URL, cookie and header safe).
std::string RandomToken(std::size_t bytes = 32);

// Raw (binary) digests and MACs.
std::string Sha256(std::string_view bytes);
std::string HmacSha1(std::string_view key, std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths, not on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// PKCE S256 code challenge: base64url(sha256(verifier)), no padding (RFC 7636).
std::string PkceChallengeS256(std::string_view verifier);

// Authenticated symmetric encryption with a 32-byte key. The ciphertext is
// nonce (24 bytes) || crypto_secretbox_easy(plaintext), as raw bytes.
class SecretBox {
 public:
  static constexpr std::size_t kKeySize = 32;

  // Reads the key file, or creates it with a fresh random key (mode 0600, parent directories
  // created) when it does not exist. Refuses a file of the wrong size or readable by group/others.
  static Result<SecretBox> LoadOrCreateKeyFile(const std::string& path);
  // A box over a key held in memory; fails unless the key is exactly kKeySize bytes.
  static Result<SecretBox> FromKey(std::string_view key);

  std::string Encrypt(std::string_view plaintext) const;
  // Fails with kBadRequest when the ciphertext is truncated, tampered with or made with another key.
  Result<std::string> Decrypt(std::string_view ciphertext) const;

 private:
  explicit SecretBox(const std::array<unsigned char, kKeySize>& key) : key_(key) {}
  std::array<unsigned char, kKeySize> key_;
};

// Argon2id cost. The defaults are OWASP's minimum for Argon2id (m=19456 KiB, t=2, p=1); lower
// values are refused by the configuration.
struct PasswordParams {
  static constexpr int64_t kMinMemoryKib = 19456;
  static constexpr int64_t kMinIterations = 2;
  int64_t memory_kib = kMinMemoryKib;
  int64_t iterations = kMinIterations;
};

// Argon2id (libsodium crypto_pwhash_str, one lane). The result is a self-describing string that
// embeds the salt and parameters.
Result<std::string> HashPassword(std::string_view password, const PasswordParams& params = {});
// True when `hash` was made with other parameters than `params` (or is not an Argon2id hash):
// it should be replaced at the next successful sign-in.
bool NeedsRehash(std::string_view hash, const PasswordParams& params);
// False for a wrong password and for a malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace gp::crypto
