#include <utility>  // Asio 1.74 needs it before Boost headers (via http/server.hpp).

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <curl/curl.h>
#include <CLI/CLI.hpp>

#include "core/log.hpp"
#include "emulator/app.hpp"
#include "http/server.hpp"

namespace {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

std::optional<ListenAddress> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return std::nullopt;
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.front() == '[' && address.host.back() == ']')
    address.host = address.host.substr(1, address.host.size() - 2);
  if (address.host == "localhost") address.host = "127.0.0.1";
  std::string_view port = std::string_view(text).substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return std::nullopt;
  address.port = static_cast<uint16_t>(value);
  return address;
}

int Refuse(const std::string& message) {
  std::cerr << "webex-emulator: " << message << std::endl;
  return 2;
}

// The command line; main() only turns an unexpected exception into an error line.
int Run(int argc, char** argv) {
  CLI::App cli{"webex-emulator: a local emulator of the Webex REST API subset Guest Portal uses"};
  std::string listen = "127.0.0.1:0";
  std::string seed_file;
  int64_t latency_ms = -1;
  std::string log_level = "info";
  cli.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  cli.add_option("--seed", seed_file, "JSON seed file: {\"config\": {...}, \"people\": [...]}");
  cli.add_option("--latency-ms", latency_ms,
                 "added latency for every /v1 response, in milliseconds")
      ->check(CLI::Range(int64_t{0}, int64_t{600000}));
  cli.add_option("--log-level", log_level, "debug logs every request; info, warn, error, off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << cli.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return Refuse(what);
  }

  auto address = ParseListen(listen);
  if (!address) return Refuse("--listen must be HOST:PORT, got '" + listen + "'");

  gp::emulator::Json seed;
  if (!seed_file.empty()) {
    std::ifstream in(seed_file);
    if (!in) return Refuse("cannot read seed file " + seed_file);
    std::stringstream text;
    text << in.rdbuf();
    seed = gp::emulator::Json::parse(text.str(), nullptr, false);
    if (seed.is_discarded()) return Refuse("seed file " + seed_file + " is not valid JSON");
  }

  gp::log::Configure(log_level);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto app = std::make_unique<gp::emulator::App>(std::make_shared<gp::emulator::Clock>());
  if (!seed_file.empty()) {
    if (auto ok = app->ApplySeed(seed); !ok)
      return Refuse("seed file " + seed_file + ": " + ok.error().message);
  }
  if (latency_ms >= 0) app->SetLatency(latency_ms);

  gp::http::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.io_threads = 2;
  options.access_log = false;
  options.body_limit = 110 * 1024 * 1024;  // Webex accepts files up to 100 MB
  gp::http::Server server(options,
                          [&app](gp::http::Request& request) { return app->Handle(request); });
  if (auto started = server.Start(); !started) return Refuse(started.error().message);
  app->Start();
  std::cout << "webex-emulator listening on http://" << address->host << ":" << server.port()
            << std::endl;
  server.Wait();
  app->Stop();
  curl_global_cleanup();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webex-emulator: unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "webex-emulator: unexpected error\n");
  }
  return 1;
}
