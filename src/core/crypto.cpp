#include "core/crypto.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/encoding.hpp"

namespace gp::crypto {
namespace {

void EnsureSodium() {
  static const bool initialised = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)initialised;
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // HMAC() with a null key pointer would use a static empty key; pass a valid pointer always.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(md, key_ptr, static_cast<int>(key.size()), Bytes(data), data.size(), out, &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

std::string RandomBytes(std::size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string RandomToken(std::size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

std::string Sha256(std::string_view bytes) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(bytes), bytes.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

std::string HmacSha1(std::string_view key, std::string_view data) { return Hmac(EVP_sha1(), key, data); }

std::string HmacSha256(std::string_view key, std::string_view data) { return Hmac(EVP_sha256(), key, data); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  EnsureSodium();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string PkceChallengeS256(std::string_view verifier) { return Base64UrlEncode(Sha256(verifier)); }

Result<SecretBox> SecretBox::FromKey(std::string_view key) {
  EnsureSodium();
  static_assert(kKeySize == crypto_secretbox_KEYBYTES);
  if (key.size() != kKeySize) {
    return Fail(ErrorCode::kBadRequest, "the key must be exactly " + std::to_string(kKeySize) + " bytes, not " +
                                            std::to_string(key.size()));
  }
  std::array<unsigned char, kKeySize> bytes{};
  std::memcpy(bytes.data(), key.data(), kKeySize);
  return SecretBox(bytes);
}

Result<SecretBox> SecretBox::LoadOrCreateKeyFile(const std::string& path) {
  EnsureSodium();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path file(path);
  if (!fs::exists(file, ec)) {
    if (file.has_parent_path()) {
      fs::create_directories(file.parent_path(), ec);
      if (ec) {
        return Fail(ErrorCode::kInternal,
                    "cannot create the directory " + file.parent_path().string() + ": " + ec.message());
      }
    }
    std::string key = RandomBytes(kKeySize);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(ErrorCode::kInternal, "cannot create the key file " + path + ": " + ErrnoText());
    // The umask cannot widen 0600, but make the mode explicit whatever it is.
    ::fchmod(fd, 0600);
    ssize_t written = ::write(fd, key.data(), key.size());
    bool ok = written == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    sodium_memzero(key.data(), key.size());
    if (!ok) {
      ::unlink(path.c_str());
      return Fail(ErrorCode::kInternal, "cannot write the key file " + path);
    }
  }

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(ErrorCode::kInternal, "cannot open the key file " + path + ": " + ErrnoText());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Fail(ErrorCode::kInternal, "cannot stat the key file " + path + ": " + ErrnoText());
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kBadRequest, "the key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Fail(ErrorCode::kBadRequest, "the key file " + path + " has mode " + mode +
                                            "; it must not be accessible by group or others (chmod 600 " + path +
                                            ")");
  }
  if (st.st_size != static_cast<off_t>(kKeySize)) {
    ::close(fd);
    return Fail(ErrorCode::kBadRequest, "the key file " + path + " must hold exactly " + std::to_string(kKeySize) +
                                            " bytes, it holds " + std::to_string(st.st_size));
  }
  std::array<unsigned char, kKeySize> key{};
  ssize_t got = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (got != static_cast<ssize_t>(kKeySize)) {
    return Fail(ErrorCode::kInternal, "cannot read the key file " + path);
  }
  SecretBox box(key);
  sodium_memzero(key.data(), key.size());
  return box;
}

std::string SecretBox::Encrypt(std::string_view plaintext) const {
  EnsureSodium();
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, Bytes(plaintext), plaintext.size(), nonce,
                        key_.data());
  return out;
}

Result<std::string> SecretBox::Decrypt(std::string_view ciphertext) const {
  EnsureSodium();
  if (ciphertext.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Fail(ErrorCode::kBadRequest, "the encrypted value is too short");
  }
  const unsigned char* nonce = Bytes(ciphertext);
  const unsigned char* boxed = nonce + crypto_secretbox_NONCEBYTES;
  std::size_t boxed_size = ciphertext.size() - crypto_secretbox_NONCEBYTES;
  std::string out(boxed_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), boxed, boxed_size, nonce,
                                 key_.data()) != 0) {
    return Fail(ErrorCode::kBadRequest, "the encrypted value failed authentication (tampered or another key)");
  }
  return out;
}

Result<std::string> HashPassword(std::string_view password, const PasswordParams& params) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), static_cast<unsigned long long>(params.iterations),
                            static_cast<std::size_t>(params.memory_kib) * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail(ErrorCode::kInternal, "password hashing ran out of memory");
  }
  return std::string(out);
}

bool NeedsRehash(std::string_view hash, const PasswordParams& params) {
  EnsureSodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  std::string terminated(hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), static_cast<unsigned long long>(params.iterations),
                                        static_cast<std::size_t>(params.memory_kib) * 1024) != 0;
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  EnsureSodium();
  // crypto_pwhash_str_verify needs a NUL-terminated string that fits its buffer.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace gp::crypto
