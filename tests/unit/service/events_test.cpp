#include "service/events.hpp"

#include <gtest/gtest.h>

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace gp::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kPing = ": test-ping\n\n";

struct Drained {
  std::string text;
  bool closed = false;
};

// Everything queued on the stream so far: reads until the stream is empty (its heartbeat comes) or
// closed. `io` stands for the server's loop and must outlive the stream.
Drained Drain(asio::io_context& io, const std::shared_ptr<http::Stream>& stream) {
  io.restart();
  stream->Attach(io.get_executor());
  Drained drained;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          auto next = co_await stream->Next();
          if (!next) {
            drained.closed = true;
            co_return;
          }
          if (*next == kPing) co_return;
          drained.text += *next;
        }
      },
      asio::detached);
  io.run();
  return drained;
}

class EventsTest : public ::testing::Test {
 protected:
  static Events::Options Options(size_t history = 8) {
    Events::Options options;
    options.history = history;
    options.stream.heartbeat = 5ms;
    options.stream.heartbeat_text = kPing;
    options.stream.max_queued_bytes = 4096;
    return options;
  }
  static Events::Subscriber Guest(const std::string& id, const std::string& session = "") {
    return {id, session.empty() ? "session-" + id : session, "cookie-" + id, 1000};
  }

  Drained Drain(const std::shared_ptr<http::Stream>& stream) { return service::Drain(io_, stream); }

  asio::io_context io_;
  int64_t now_ms_ = 1'000'000;
  Events events_{Options(), [this] { return now_ms_; }};
};

TEST_F(EventsTest, AnEventReachesItsRecipientsOnly) {
  auto ann = events_.Open(Guest("ann"), std::nullopt);
  auto ben = events_.Open(Guest("ben"), std::nullopt);
  auto cy = events_.Open(Guest("cy"), std::nullopt);
  int64_t id = events_.Publish("message.created", R"({"roomId":"r1"})", {"ann", "ben"});
  std::string frame = "id: " + std::to_string(id) + "\nevent: message.created\ndata: {\"roomId\":\"r1\"}\n\n";
  EXPECT_EQ(Drain(ann).text, "retry: 2000\n\n" + frame);
  EXPECT_EQ(Drain(ben).text, "retry: 2000\n\n" + frame);
  EXPECT_EQ(Drain(cy).text, "retry: 2000\n\n");
  EXPECT_EQ(events_.open_streams(), 3u);
}

TEST_F(EventsTest, IdsIncreaseAndFollowTheClock) {
  int64_t first = events_.Publish("a", "{}", {"ann"});
  int64_t second = events_.Publish("b", "{}", {"ann"});
  EXPECT_EQ(first, 1'000'000'001);  // above the instant the hub started
  EXPECT_EQ(second, first + 1);
  now_ms_ = 2'000'000;
  EXPECT_EQ(events_.Publish("c", "{}", {"ann"}), 2'000'000'000);
  now_ms_ = 1'500'000;  // the clock going back does not make ids go back
  EXPECT_EQ(events_.Publish("d", "{}", {"ann"}), 2'000'000'001);
}

TEST_F(EventsTest, AReconnectGetsWhatItMissedForItsGuestOnly) {
  int64_t seen = events_.Publish("a", R"({"n":1})", {"ann"});
  int64_t missed = events_.Publish("b", R"({"n":2})", {"ann", "ben"});
  events_.Publish("c", R"({"n":3})", {"ben"});
  int64_t also_missed = events_.Publish("d", R"({"n":4})", {"ann"});
  auto ann = events_.Open(Guest("ann"), seen);
  std::string text = Drain(ann).text;
  EXPECT_EQ(text, "retry: 2000\n\nid: " + std::to_string(missed) + "\nevent: b\ndata: {\"n\":2}\n\nid: " +
                      std::to_string(also_missed) + "\nevent: d\ndata: {\"n\":4}\n\n");
}

TEST_F(EventsTest, AnIdOlderThanTheHistoryGetsAResync) {
  // Before the hub started: another process's id.
  auto before = events_.Open(Guest("ann"), 5);
  EXPECT_NE(Drain(before).text.find("event: resync\ndata: {}\n\n"), std::string::npos);
  // Evicted: the history holds 8 events.
  int64_t first = events_.Publish("a", "{}", {"ann"});
  for (int i = 0; i < 8; ++i) events_.Publish("b", "{}", {"ann"});
  auto evicted = events_.Open(Guest("ann"), first - 1);
  EXPECT_NE(Drain(evicted).text.find("event: resync"), std::string::npos);
  // The oldest event still held is replayed, not a resync.
  auto held = events_.Open(Guest("ann"), first);
  std::string text = Drain(held).text;
  EXPECT_EQ(text.find("resync"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2 + 8 * 4);
}

TEST_F(EventsTest, EndingAGuestOrASessionSaysWhyAndCloses) {
  auto ann1 = events_.Open(Guest("ann", "s1"), std::nullopt);
  auto ann2 = events_.Open(Guest("ann", "s2"), std::nullopt);
  auto ben = events_.Open(Guest("ben"), std::nullopt);
  events_.EndSession("s1", "signed_out");
  auto one = Drain(ann1);
  EXPECT_TRUE(one.closed);
  EXPECT_NE(one.text.find("event: session.ended\ndata: {\"reason\":\"signed_out\"}\n\n"), std::string::npos);
  EXPECT_FALSE(Drain(ann2).closed);
  events_.EndGuest("ann", "disabled");
  auto two = Drain(ann2);
  EXPECT_TRUE(two.closed);
  EXPECT_NE(two.text.find("{\"reason\":\"disabled\"}"), std::string::npos);
  auto other = Drain(ben);
  EXPECT_FALSE(other.closed);
  EXPECT_EQ(other.text.find("session.ended"), std::string::npos);
  // Ended streams leave the hub when the server lets go of them.
  ann1->Ended();
  ann2->Ended();
  EXPECT_EQ(events_.open_streams(), 1u);
}

TEST_F(EventsTest, ASlowClientIsDroppedInsteadOfGrowingMemory) {
  auto slow = events_.Open(Guest("ann"), std::nullopt);
  std::string data = "\"" + std::string(1000, 'x') + "\"";
  for (int i = 0; i < 10; ++i) events_.Publish("a", data, {"ann"});
  EXPECT_TRUE(slow->overflowed());
  EXPECT_TRUE(Drain(slow).closed);
}

TEST_F(EventsTest, SweepEndsExpiredSessionsAndOnesEndedElsewhere) {
  auto expired = events_.Open({"ann", "s1", "c1", 100}, std::nullopt);
  auto gone = events_.Open({"ben", "s2", "c2", 5000}, std::nullopt);
  auto live = events_.Open({"cy", "s3", "c3", 5000}, std::nullopt);
  events_.Sweep(200, [](const std::string& cookie) { return cookie != "c2"; });
  EXPECT_TRUE(Drain(expired).closed);
  EXPECT_TRUE(Drain(gone).closed);
  EXPECT_FALSE(Drain(live).closed);
}

}  // namespace
}  // namespace gp::service
