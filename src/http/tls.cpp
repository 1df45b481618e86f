#include <utility>  // Asio 1.74 needs it before its own headers.

#include "http/tls.hpp"

#include <openssl/ssl.h>
#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace gp::http {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" configuration (TLS 1.2 ciphers; TLS 1.3 keeps OpenSSL's suites).
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// The whole file, or an error naming it; a key's copy is wiped by the caller.
Result<std::string> ReadFile(const std::string& path, const char* field) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return Fail(ErrorCode::kBadRequest, "tls_file",
                path + " cannot be read" +
                    (error ? std::string(": ") + std::strerror(error) : std::string()),
                field);
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(ErrorCode::kBadRequest, "tls_file", path + " cannot be read", field);
  return text;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> LoadTlsContext(const TlsFiles& files) {
  auto cert = ReadFile(files.cert_file, "cert");
  if (!cert) return tl::unexpected(cert.error());
  auto key = ReadFile(files.key_file, "key");
  if (!key) return tl::unexpected(key.error());
  struct Wipe {
    std::string& text;
    ~Wipe() { sodium_memzero(text.data(), text.size()); }
  } wipe{*key};

  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(native, kIntermediateCiphers);
  SSL_CTX_set_dh_auto(native, 1);
  // An encrypted key would otherwise make OpenSSL ask for its passphrase on the terminal.
  context->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });

  // The key first: OpenSSL refuses a key that does not match a certificate already loaded as if it
  // were not a key at all, while a certificate loaded after a key that does not match it is accepted
  // and the mismatch is found below, with a message that says so.
  boost::system::error_code ec;
  context->use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
  if (ec) {
    return Fail(ErrorCode::kBadRequest, "tls_file",
                files.key_file + " is not an unencrypted PEM private key", "key");
  }
  context->use_certificate_chain(boost::asio::buffer(*cert), ec);
  if (ec) {
    return Fail(ErrorCode::kBadRequest, "tls_file", files.cert_file + " is not a PEM certificate",
                "cert");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Fail(ErrorCode::kBadRequest, "tls_file",
                files.key_file + " does not match the certificate in " + files.cert_file, "key");
  }
  return context;
}

}  // namespace gp::http
