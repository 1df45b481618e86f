// The server speaking HTTPS (ServerOptions::tls) on a loop, as the portal runs it, with
// certificates made here: requests over TLS (kept alive, streamed), plain HTTP on the port answered
// 400, a silent or stalled handshake closed at its timeout, old protocol versions refused, and the
// certificate reloaded while connections stay open.
#include <utility>  // Asio 1.74 needs it before its own headers.

#include "http/server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "http/stream.hpp"
#include "wire_client.hpp"

namespace gp::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::DecodeChunked;
using test_support::WireClient;

struct Pem {
  std::string cert;
  std::string key;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A self-signed P-256 certificate for `common_name`, valid for a day.
Pem MakeSelfSigned(const std::string& common_name) {
  static std::atomic<long> serial{1};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  Pem pem;
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  pem.cert = BioText(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  pem.key = BioText(key_bio);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pem;
}

// A blocking TLS client on 127.0.0.1 whose every wait has a deadline; it trusts any certificate and
// reports the name in the one it was shown.
class TlsClient {
 public:
  // `max_version`: the newest protocol version offered (0: any).
  explicit TlsClient(uint16_t port, int max_version = 0) {
    context_ = SSL_CTX_new(TLS_client_method());
    if (max_version != 0) {
      // Let the client offer versions OpenSSL's defaults no longer allow: the server must refuse
      // them.
      SSL_CTX_set_security_level(context_, 0);
      SSL_CTX_set_min_proto_version(context_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(context_, max_version);
    }
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tick{0, 50 * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return;
    ssl_ = SSL_new(context_);
    SSL_set_fd(ssl_, fd_);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      int result = SSL_connect(ssl_);
      if (result == 1) {
        handshaken_ = true;
        return;
      }
      if (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) return;
    }
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;
  ~TlsClient() {
    if (ssl_) SSL_free(ssl_);
    close(fd_);
    SSL_CTX_free(context_);
  }

  bool handshaken() const { return handshaken_; }


  // The common name of the certificate the server presented.
  std::string PeerName() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return "";
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    X509_free(cert);
    return name;
  }

  bool Send(std::string_view data) {
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }

  // Reads until `done(received())` holds, the server ends the session, or `timeout` passes.
  bool ReadUntil(const std::function<bool(const std::string&)>& done,
                 std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      if (closed_ || std::chrono::steady_clock::now() >= deadline) return false;
      char buffer[4096];
      int n = SSL_read(ssl_, buffer, sizeof buffer);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
      } else if (SSL_get_error(ssl_, n) != SSL_ERROR_WANT_READ) {
        closed_ = true;
      }
    }
    return true;
  }

  bool ReadResponseWith(const std::string& text) {
    return ReadUntil(
        [&](const std::string& received) { return received.find(text) != std::string::npos; });
  }

  const std::string& received() const { return received_; }

 private:
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool handshaken_ = false;
  bool closed_ = false;
  std::string received_;
};

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "gp-tls-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Install(MakeSelfSigned("first"));
  }

  void TearDown() override {
    if (server_) server_->Stop();
    io_.stop();
    if (loop_.joinable()) loop_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Install(const Pem& pem) {
    std::ofstream(cert_file()) << pem.cert;
    std::ofstream(key_file()) << pem.key;
  }

  std::string cert_file() const { return (dir_ / "cert.pem").string(); }
  std::string key_file() const { return (dir_ / "key.pem").string(); }

  ServerOptions Options() const {
    ServerOptions options;
    options.access_log = false;
    options.tls = {cert_file(), key_file()};
    return options;
  }

  void StartServer(ServerOptions options) {
    server_ = std::make_unique<Server>(
        std::move(options),
        [this](Request& request) -> asio::awaitable<Response> {
          if (request.path != "/events") co_return Response::Text(200, "hello " + request.path);
          auto stream = std::make_shared<Stream>(Stream::Options{});
          stream->Push("data: one\n\n");
          stream->OnEnd([this] { stream_ended_ = true; });
          {
            std::lock_guard lock(mutex_);
            stream_ = stream;
          }
          Response response;
          response.headers.Set("Content-Type", "text/event-stream");
          response.stream = stream;
          co_return response;
        },
        io_);
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message;
    loop_ = std::thread([this] { io_.run(); });
  }

  // A request on `client` that must be answered with `hello PATH`.
  static void ExpectHello(TlsClient& client, const std::string& path) {
    ASSERT_TRUE(client.Send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_TRUE(client.ReadResponseWith("hello " + path)) << client.received();
  }

  std::shared_ptr<Stream> stream() {
    std::lock_guard lock(mutex_);
    return stream_;
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  std::unique_ptr<Server> server_;
  std::thread loop_;
  std::mutex mutex_;
  std::shared_ptr<Stream> stream_;
  std::atomic<bool> stream_ended_{false};
};

TEST_F(TlsServerTest, AnswersRequestsOverTlsOnAKeptAliveConnection) {
  StartServer(Options());
  EXPECT_TRUE(server_->tls());
  TlsClient client(server_->port());
  ASSERT_TRUE(client.handshaken());
  EXPECT_EQ(client.PeerName(), "first");
  ExpectHello(client, "/a");
  EXPECT_EQ(client.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << client.received();
  ExpectHello(client, "/b");
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortIsAnswered400AndClosed) {
  StartServer(Options());
  WireClient plain(server_->port());
  ASSERT_TRUE(plain.connected());
  ASSERT_TRUE(plain.Send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(plain.ReadToEnd()) << plain.received();
  EXPECT_EQ(plain.received().rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << plain.received();
  EXPECT_NE(plain.received().find("\"https_required\""), std::string::npos) << plain.received();
  EXPECT_EQ(plain.received().find("hello"), std::string::npos)
      << "the request must not reach the handler";

  TlsClient client(server_->port());
  ASSERT_TRUE(client.handshaken());
  ExpectHello(client, "/after");
}

TEST_F(TlsServerTest, ASilentOrStalledHandshakeIsClosedAtItsTimeout) {
  ServerOptions options = Options();
  options.tls_handshake_timeout = 300ms;
  StartServer(options);
  WireClient silent(server_->port());
  WireClient stalled(server_->port());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(stalled.connected());
  // The start of a ClientHello record, and then nothing.
  ASSERT_TRUE(stalled.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));
  // Closed by the server well before the 30 s a request's read timeout would allow.
  EXPECT_TRUE(silent.ReadToEnd(5s));
  EXPECT_TRUE(stalled.ReadToEnd(5s));
  EXPECT_EQ(silent.received(), "");

  TlsClient client(server_->port());
  ASSERT_TRUE(client.handshaken());
  ExpectHello(client, "/still-serving");
}

TEST_F(TlsServerTest, VersionsBeforeTls12AreRefused) {
  StartServer(Options());
  TlsClient old(server_->port(), TLS1_1_VERSION);
  EXPECT_FALSE(old.handshaken());
  TlsClient current(server_->port(), TLS1_2_VERSION);
  ASSERT_TRUE(current.handshaken());
  ExpectHello(current, "/tls12");
}

TEST_F(TlsServerTest, AReloadServesNewConnectionsAndLeavesOpenOnesAlone) {
  StartServer(Options());
  TlsClient before(server_->port());
  ASSERT_TRUE(before.handshaken());
  ExpectHello(before, "/one");
  EXPECT_EQ(before.PeerName(), "first");

  Install(MakeSelfSigned("second"));
  auto reloaded = server_->ReloadTls();
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  TlsClient after(server_->port());
  ASSERT_TRUE(after.handshaken());
  EXPECT_EQ(after.PeerName(), "second");
  ExpectHello(after, "/two");
  ExpectHello(before, "/three");  // the open connection is still served, with its certificate
  EXPECT_EQ(before.PeerName(), "first");

  // A file that cannot serve leaves the current certificate in place.
  std::ofstream(cert_file()) << "not a certificate\n";
  auto failed = server_->ReloadTls();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().field, "cert");
  EXPECT_EQ(failed.error().message, cert_file() + " is not a PEM certificate");
  Install(Pem{MakeSelfSigned("third").cert, MakeSelfSigned("other").key});
  failed = server_->ReloadTls();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().field, "key");
  TlsClient later(server_->port());
  ASSERT_TRUE(later.handshaken());
  EXPECT_EQ(later.PeerName(), "second");
}

TEST_F(TlsServerTest, StartFailsNamingTheFileThatCannotServe) {
  ServerOptions options = Options();
  options.tls.key_file = (dir_ / "missing.pem").string();
  Server server(
      options, [](Request&) -> asio::awaitable<Response> { co_return Response::Empty(204); }, io_);
  auto started = server.Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().field, "key");
  EXPECT_EQ(started.error().message,
            options.tls.key_file + " cannot be read: No such file or directory");
  EXPECT_EQ(server.port(), 0);

  std::ofstream(key_file()) << MakeSelfSigned("x").cert;  // a certificate where the key should be
  options.tls.key_file = key_file();
  Server wrong(
      options, [](Request&) -> asio::awaitable<Response> { co_return Response::Empty(204); }, io_);
  started = wrong.Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().field, "key");
  EXPECT_EQ(started.error().message, key_file() + " is not an unencrypted PEM private key");
}

TEST_F(TlsServerTest, AStreamFlowsOverTlsAndEndsWhenTheClientGoesAway) {
  StartServer(Options());
  {
    TlsClient client(server_->port());
    ASSERT_TRUE(client.handshaken());
    ASSERT_TRUE(client.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(client.ReadUntil([](const std::string& text) {
      auto decoded = DecodeChunked(text);
      return decoded && decoded->body == "data: one\n\n";
    })) << client.received();
    for (auto deadline = std::chrono::steady_clock::now() + 5s;
         !stream() && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(stream());
    EXPECT_TRUE(stream()->Push("data: two\n\n"));
    EXPECT_TRUE(client.ReadUntil([](const std::string& text) {
      auto decoded = DecodeChunked(text);
      return decoded && decoded->body == "data: one\n\ndata: two\n\n";
    })) << client.received();
    EXPECT_FALSE(stream_ended_.load());
  }  // the client goes away without a word
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!stream_ended_.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(stream_ended_.load());
}

}  // namespace
}  // namespace gp::http
