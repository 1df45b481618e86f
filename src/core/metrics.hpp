#pragma once
// A small Prometheus registry (text exposition format 0.0.4; docs/metrics.md lists the portal's
// series). Families of counters, gauges and histograms with fixed label names; a series is found or
// made by its label values. Label values must come from bounded sets (route and endpoint templates,
// status codes, fixed words), never from ids or names: a family holds at most kMaxSeries series,
// and values beyond that are counted under one series whose every label is "other".
//
// Updating a series is lock-free (relaxed atomics) and safe from any thread; finding a series by
// its labels takes the family's mutex briefly, so hot paths keep the reference (series never move
// and live as long as the registry). Gauges and counters may also be read at scrape time from a
// function (AddGaugeFunc, AddCounterFunc), which Expose() calls on its own thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gp::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations in fixed buckets (upper bounds, increasing; +Inf is implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value) noexcept;

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    uint64_t count = 0;                // equals cumulative.back()
    double sum = 0;
  };
  // The counts as of now (each bucket read once; `count` is their total, so it always equals +Inf).
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the last is +Inf)
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 1 ms to 30 s.
const std::vector<double>& LatencyBuckets();

enum class Type { kCounter, kGauge, kHistogram };

// The series of one metric name, by label values (in the order of the family's label names).
template <typename T>
class Family {
 public:
  static constexpr std::size_t kMaxSeries = 2000;

  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  // The series with these label values (as many as the family has label names), made if new.
  T& With(std::initializer_list<std::string_view> values) {
    return With(std::vector<std::string_view>(values));
  }
  T& With(const std::vector<std::string_view>& values);

  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls `visit(values, series)` for each series, in label order, under the family's lock.
  void ForEach(const std::function<void(const std::vector<std::string>&, const T&)>& visit) const;

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  struct Series {
    std::vector<std::string> values;
    std::unique_ptr<T> metric;
  };
  mutable std::mutex mutex_;
  // By the label values joined with '\0' (they sort as the values do).
  std::map<std::string, Series, std::less<>> series_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The family of that name, made on first use. Asking again with the same name gives the same
  // family; a different type or label names for a name in use is a bug (std::logic_error), as is an
  // invalid name.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names, std::vector<double> bounds);
  // A series whose value `read` gives at scrape time (on the scraping thread; it must not block).
  // Adding to the same name again adds a series, with the same label names and other values.
  using LabelPairs = std::vector<std::pair<std::string, std::string>>;
  void AddGaugeFunc(const std::string& name, const std::string& help, std::function<double()> read,
                    const LabelPairs& labels = {});
  void AddCounterFunc(const std::string& name, const std::string& help,
                      std::function<double()> read, const LabelPairs& labels = {});

  // Every family in the order they were added, as text exposition format 0.0.4.
  std::string Expose() const;

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Entry {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::string> label_names;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
    struct FuncSeries {
      std::vector<std::string> values;
      std::function<double()> read;
    };
    std::vector<FuncSeries> funcs;
  };
  Entry& Find(const std::string& name, Type type, const std::vector<std::string>& label_names,
              bool& fresh);
  void AddFunc(const std::string& name, const std::string& help, Type type,
               std::function<double()> read, const LabelPairs& labels);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Text exposition helpers (also for tests).
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
std::string FormatValue(double value);
bool ValidName(std::string_view name);

}  // namespace gp::metrics
