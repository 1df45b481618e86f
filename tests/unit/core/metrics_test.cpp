#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gp::metrics {
namespace {

TEST(Metrics, ExposesCountersWithHelpTypeAndLabelsInOrder) {
  Registry registry;
  auto& requests = registry.AddCounter("app_requests_total", "Requests.\nSecond line \\ here.",
                                       {"route", "status"});
  requests.With({"/b", "200"}).Inc(3);
  requests.With({"/a", "404"}).Inc();
  EXPECT_EQ(registry.Expose(),
            "# HELP app_requests_total Requests.\\nSecond line \\\\ here.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{route=\"/a\",status=\"404\"} 1\n"
            "app_requests_total{route=\"/b\",status=\"200\"} 3\n");
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Registry registry;
  registry.AddGauge("app_g", "G.", {"x"}).With({"q\"\\\n"}).Set(1.5);
  EXPECT_NE(registry.Expose().find("app_g{x=\"q\\\"\\\\\\n\"} 1.5\n"), std::string::npos)
      << registry.Expose();
}

TEST(Metrics, FormatsValues) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.001), "0.001");
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(NAN), "NaN");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  auto& family = registry.AddHistogram("app_seconds", "Time.", {"route"}, {0.1, 1, 10});
  auto& h = family.With({"/x"});
  for (double v : {0.05, 0.1, 0.5, 1.0, 5.0, 50.0}) h.Observe(v);
  EXPECT_EQ(registry.Expose(),
            "# HELP app_seconds Time.\n"
            "# TYPE app_seconds histogram\n"
            "app_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "app_seconds_bucket{route=\"/x\",le=\"1\"} 4\n"
            "app_seconds_bucket{route=\"/x\",le=\"10\"} 5\n"
            "app_seconds_bucket{route=\"/x\",le=\"+Inf\"} 6\n"
            "app_seconds_sum{route=\"/x\"} 56.65\n"
            "app_seconds_count{route=\"/x\"} 6\n");
}

TEST(Metrics, HistogramWithoutLabels) {
  Registry registry;
  registry.AddHistogram("app_h", "H.", {}, {1}).With({}).Observe(2);
  EXPECT_EQ(registry.Expose(),
            "# HELP app_h H.\n# TYPE app_h histogram\n"
            "app_h_bucket{le=\"1\"} 0\napp_h_bucket{le=\"+Inf\"} 1\napp_h_sum 2\napp_h_count 1\n");
}

TEST(Metrics, FuncSeriesAreReadAtScrapeTime) {
  Registry registry;
  double value = 1;
  registry.AddGaugeFunc("app_open", "Open.", [&value] { return value; });
  registry.AddCounterFunc("app_done_total", "Done.", [] { return 7.0; }, {{"kind", "a"}});
  registry.AddCounterFunc("app_done_total", "Done.", [] { return 8.0; }, {{"kind", "b"}});
  value = 4;
  EXPECT_EQ(registry.Expose(),
            "# HELP app_open Open.\n# TYPE app_open gauge\napp_open 4\n"
            "# HELP app_done_total Done.\n# TYPE app_done_total counter\n"
            "app_done_total{kind=\"a\"} 7\napp_done_total{kind=\"b\"} 8\n");
}

TEST(Metrics, SameNameGivesSameFamilyAndShapeMismatchesAreBugs) {
  Registry registry;
  auto& a = registry.AddCounter("app_total", "A.", {"x"});
  auto& b = registry.AddCounter("app_total", "A.", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(registry.AddGauge("app_total", "A.", {"x"}), std::logic_error);
  EXPECT_THROW(registry.AddCounter("app_total", "A.", {"y"}), std::logic_error);
  EXPECT_THROW(registry.AddCounter("bad name", "A."), std::logic_error);
  EXPECT_THROW(registry.AddCounter("app_le", "A.", {"le"}), std::logic_error);
  EXPECT_THROW(registry.AddHistogram("app_h", "H.", {}, {1, 1}), std::logic_error);
  EXPECT_THROW(a.With({"1", "2"}), std::logic_error);
  registry.AddGaugeFunc("app_f", "F.", [] { return 1.0; });
  EXPECT_THROW(registry.AddGaugeFunc("app_f", "F.", [] { return 1.0; }), std::logic_error);
  EXPECT_THROW(registry.AddGauge("app_f", "F."), std::logic_error);
}

TEST(Metrics, SeriesBeyondTheCapShareOneOtherSeries) {
  Registry registry;
  auto& family = registry.AddCounter("app_total", "A.", {"id"});
  for (std::size_t i = 0; i < Family<Counter>::kMaxSeries + 50; ++i)
    family.With({std::to_string(i)}).Inc();
  std::string text = registry.Expose();
  EXPECT_NE(text.find("app_total{id=\"other\"} 50\n"), std::string::npos);
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  EXPECT_EQ(lines, 2 + Family<Counter>::kMaxSeries + 1);
}

// Several threads update the same counter, histogram and gauge, and make series while another
// scrapes: no update is lost, and every scrape's histogram count equals its +Inf bucket.
TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  auto& counters = registry.AddCounter("app_total", "A.", {"route"});
  auto& histograms = registry.AddHistogram("app_seconds", "T.", {"route"}, {0.5, 1.5});
  auto& gauge = registry.AddGauge("app_g", "G.").With({});
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) {
      std::string text = registry.Expose();
      ASSERT_NE(text.find("# TYPE app_seconds histogram"), std::string::npos);
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counters.With({"/shared"}).Inc();
        counters.With({"/t" + std::to_string(t % 2)}).Inc();
        histograms.With({"/shared"}).Observe(i % 2 == 0 ? 1.0 : 2.0);
        gauge.Add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  scraper.join();
  EXPECT_EQ(counters.With({"/shared"}).value(), static_cast<uint64_t>(kThreads * kEach));
  EXPECT_EQ(counters.With({"/t0"}).value() + counters.With({"/t1"}).value(),
            static_cast<uint64_t>(kThreads * kEach));
  auto snapshot = histograms.With({"/shared"}).Read();
  EXPECT_EQ(snapshot.count, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_EQ(snapshot.cumulative[0], 0U);
  EXPECT_EQ(snapshot.cumulative[1], static_cast<uint64_t>(kThreads * kEach / 2));
  EXPECT_DOUBLE_EQ(snapshot.sum, 1.5 * kThreads * kEach);
  EXPECT_DOUBLE_EQ(gauge.value(), kThreads * kEach);
}

}  // namespace
}  // namespace gp::metrics
