#include "core/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace gp::metrics {
namespace {

constexpr std::string_view kOther = "other";

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool ValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__") || name == "le") return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// `{a="x",b="y"` without the closing brace (so that histograms can add `le`), or "" without labels.
std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values) {
  if (names.empty()) return {};
  std::string text = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ',';
    text += names[i];
    text += "=\"";
    text += EscapeLabelValue(values[i]);
    text += '"';
  }
  return text;
}

void Line(std::string& out, const std::string& name, std::string_view suffix,
          const std::string& labels, std::string_view extra, const std::string& value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra.empty()) {
    std::string all = labels.empty() ? std::string("{") : labels;
    if (!extra.empty()) {
      if (!labels.empty()) all += ',';
      all += extra;
    }
    all += '}';
    out += all;
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  std::array<char, 32> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return "NaN";
  return std::string(buffer.data(), end);
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1,     2.5,  5,     10,   30};
  return kBuckets;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::logic_error("histogram bounds must increase");
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) noexcept {
  // The first bound at or above the value (Prometheus buckets are "less than or equal").
  auto index = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                        bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

template <typename T>
T& Family<T>::With(const std::vector<std::string_view>& values) {
  if (values.size() != label_names_.size()) throw std::logic_error("wrong number of label values");
  std::string key;
  for (auto value : values) {
    key += value;
    key += '\0';
  }
  std::lock_guard lock(mutex_);
  if (auto it = series_.find(key); it != series_.end()) return *it->second.metric;
  std::vector<std::string> owned(values.begin(), values.end());
  if (series_.size() >= kMaxSeries) {
    // A bug let unbounded values in: count them together rather than grow without end.
    owned.assign(values.size(), std::string(kOther));
    key.clear();
    for (std::size_t i = 0; i < values.size(); ++i) {
      key += kOther;
      key += '\0';
    }
    if (auto it = series_.find(key); it != series_.end()) return *it->second.metric;
  }
  auto& series = series_[key];
  series.values = std::move(owned);
  series.metric = make_();
  return *series.metric;
}

template <typename T>
void Family<T>::ForEach(
    const std::function<void(const std::vector<std::string>&, const T&)>& visit) const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, series] : series_) visit(series.values, *series.metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::Find(const std::string& name, Type type,
                                const std::vector<std::string>& label_names, bool& fresh) {
  if (!ValidName(name)) throw std::logic_error("invalid metric name: " + name);
  for (const auto& label : label_names) {
    if (!ValidLabelName(label)) throw std::logic_error("invalid label name: " + label);
  }
  for (auto& entry : entries_) {
    if (entry->name != name) continue;
    if (entry->type != type || entry->label_names != label_names) {
      throw std::logic_error("metric " + name + " registered twice with different shapes");
    }
    fresh = false;
    return *entry;
  }
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->type = type;
  entry->label_names = label_names;
  entries_.push_back(std::move(entry));
  fresh = true;
  return *entries_.back();
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  bool fresh = false;
  Entry& entry = Find(name, Type::kCounter, label_names, fresh);
  if (fresh) {
    entry.help = help;
    entry.counters = std::make_unique<Family<Counter>>(std::move(label_names),
                                                       [] { return std::make_unique<Counter>(); });
  }
  if (!entry.counters) throw std::logic_error("metric " + name + " is read at scrape time");
  return *entry.counters;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  bool fresh = false;
  Entry& entry = Find(name, Type::kGauge, label_names, fresh);
  if (fresh) {
    entry.help = help;
    entry.gauges = std::make_unique<Family<Gauge>>(std::move(label_names),
                                                   [] { return std::make_unique<Gauge>(); });
  }
  if (!entry.gauges) throw std::logic_error("metric " + name + " is read at scrape time");
  return *entry.gauges;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  bool fresh = false;
  Entry& entry = Find(name, Type::kHistogram, label_names, fresh);
  if (fresh) {
    entry.help = help;
    Histogram check(bounds);  // rejects bounds that do not increase, before any series exists
    entry.histograms = std::make_unique<Family<Histogram>>(
        std::move(label_names),
        [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  }
  if (!entry.histograms) throw std::logic_error("metric " + name + " is read at scrape time");
  return *entry.histograms;
}

void Registry::AddFunc(const std::string& name, const std::string& help, Type type,
                       std::function<double()> read, const LabelPairs& labels) {
  std::vector<std::string> names;
  Entry::FuncSeries series;
  for (const auto& [label, value] : labels) {
    names.push_back(label);
    series.values.push_back(value);
  }
  series.read = std::move(read);
  std::lock_guard lock(mutex_);
  bool fresh = false;
  Entry& entry = Find(name, type, names, fresh);
  if (fresh) {
    entry.help = help;
  } else if (entry.funcs.empty()) {
    throw std::logic_error("metric " + name + " has series of its own");
  }
  for (const auto& existing : entry.funcs) {
    if (existing.values == series.values)
      throw std::logic_error("metric " + name + " has that series already");
  }
  entry.funcs.push_back(std::move(series));
}

void Registry::AddGaugeFunc(const std::string& name, const std::string& help,
                            std::function<double()> read, const LabelPairs& labels) {
  AddFunc(name, help, Type::kGauge, std::move(read), labels);
}

void Registry::AddCounterFunc(const std::string& name, const std::string& help,
                              std::function<double()> read, const LabelPairs& labels) {
  AddFunc(name, help, Type::kCounter, std::move(read), labels);
}

std::string Registry::Expose() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& entry : entries_) {
    const std::string& name = entry->name;
    out += "# HELP " + name + " " + EscapeHelp(entry->help) + "\n";
    out += "# TYPE " + name + " ";
    out += TypeName(entry->type);
    out += '\n';
    if (!entry->funcs.empty()) {
      for (const auto& series : entry->funcs) {
        Line(out, name, "", LabelText(entry->label_names, series.values), {},
             FormatValue(series.read()));
      }
    } else if (entry->counters) {
      entry->counters->ForEach([&](const std::vector<std::string>& values, const Counter& counter) {
        Line(out, name, "", LabelText(entry->label_names, values), {},
             std::to_string(counter.value()));
      });
    } else if (entry->gauges) {
      entry->gauges->ForEach([&](const std::vector<std::string>& values, const Gauge& gauge) {
        Line(out, name, "", LabelText(entry->label_names, values), {}, FormatValue(gauge.value()));
      });
    } else if (entry->histograms) {
      entry->histograms->ForEach([&](const std::vector<std::string>& values,
                                     const Histogram& histogram) {
        std::string labels = LabelText(entry->label_names, values);
        auto snapshot = histogram.Read();
        const auto& bounds = histogram.bounds();
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
          std::string le =
              "le=\"" + (i < bounds.size() ? FormatValue(bounds[i]) : std::string("+Inf")) + "\"";
          Line(out, name, "_bucket", labels, le, std::to_string(snapshot.cumulative[i]));
        }
        Line(out, name, "_sum", labels, {}, FormatValue(snapshot.sum));
        Line(out, name, "_count", labels, {}, std::to_string(snapshot.count));
      });
    }
  }
  return out;
}

}  // namespace gp::metrics
