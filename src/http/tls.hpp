#pragma once
// TLS for the HTTP server: a server context made from a PEM certificate chain and a PEM private
// key. Only TLS 1.2 and 1.3, Mozilla's "intermediate" cipher list (forward secrecy, AEAD only), no
// compression, no renegotiation. An encrypted key is refused (nobody can type its passphrase).

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "core/error.hpp"

namespace gp::http {

struct TlsFiles {
  std::string cert_file;  // PEM: the certificate, then its intermediates
  std::string key_file;   // PEM: its private key, unencrypted
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// The error's `field` is "cert" or "key", the file at fault; its message names the file's path and
// what is wrong, never the file's content.
Result<std::shared_ptr<boost::asio::ssl::context>> LoadTlsContext(const TlsFiles& files);

}  // namespace gp::http
