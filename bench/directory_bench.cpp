// The guest directory (docs/architecture.md "Guest directory") with 10,000 guests and 50,000 pairs:
// what a rebuild costs against an update in place (GuestDirectory::With) after the changes an
// administrator makes, and what a list of every guest costs to render. The console's target is a
// guest list in < 50 ms; bench/portal/directory.mjs measures the same through HTTP.
//
// Usage: build/bench/directory_bench (Google Benchmark flags apply).
#include <benchmark/benchmark.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/json_views.hpp"
#include "service/directory.hpp"

namespace gp {
namespace {

constexpr int kGuests = 10000;
constexpr std::size_t kPairs = 50000;

std::string Id(int i) {
  return "g" + std::to_string(100000 + i);
}

storage::GuestRecord Guest(int i) {
  static const std::vector<std::string> kFirst = {"Ann", "Bo", "Chen", "Dara", "Eli", "Fay", "Gus"};
  static const std::vector<std::string> kLast = {"Lee", "Chan", "Novak", "Okafor", "Silva", "Zhou"};
  storage::GuestRecord guest;
  guest.id = Id(i);
  guest.username = "user" + std::to_string(i);
  guest.display_name =
      kFirst[i % kFirst.size()] + " " + kLast[(i / 7) % kLast.size()] + " " + std::to_string(i);
  guest.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$unused";
  guest.disabled = i % 10 == 0;
  guest.created_at = 1700000000 + i;
  guest.updated_at = guest.created_at;
  return guest;
}

struct Data {
  std::vector<storage::GuestRecord> guests;
  std::vector<storage::PairRecord> pairs;
};

const Data& Seeded() {
  static const Data data = [] {
    Data made;
    for (int i = 0; i < kGuests; ++i) made.guests.push_back(Guest(i));
    std::mt19937 random(12345);
    std::set<storage::PairRecord> pairs;
    while (pairs.size() < kPairs) {
      const int a = static_cast<int>(random() % kGuests);
      const int b = static_cast<int>(random() % kGuests);
      if (a != b) pairs.insert(std::minmax(Id(a), Id(b)));
    }
    made.pairs.assign(pairs.begin(), pairs.end());
    return made;
  }();
  return data;
}

const service::GuestDirectory& Built() {
  static const service::GuestDirectory directory(Seeded().guests, Seeded().pairs,
                                                 api::GuestListItem);
  return directory;
}

// The full rebuild: what every list after a change paid before updates in place.
void BM_Build(benchmark::State& state) {
  const Data& data = Seeded();
  for (auto _ : state) {
    service::GuestDirectory directory(data.guests, data.pairs, api::GuestListItem);
    benchmark::DoNotOptimize(directory.size());
  }
}
BENCHMARK(BM_Build)->Unit(benchmark::kMillisecond);

// One pair added and one removed (a PATCH from the console).
void BM_UpdatePairs(benchmark::State& state) {
  const auto& directory = Built();
  service::GuestDirectory::Update update;
  update.added = {std::minmax(Id(1), Id(9999))};
  update.removed = {Seeded().pairs[kPairs / 2]};
  for (auto _ : state) {
    auto next = directory.With(update);
    benchmark::DoNotOptimize(next.pair_count());
  }
}
BENCHMARK(BM_UpdatePairs)->Unit(benchmark::kMillisecond);

// One guest renamed (it moves in the display-name order and in its contacts' lists).
void BM_UpdateRename(benchmark::State& state) {
  const auto& directory = Built();
  service::GuestDirectory::Update update;
  auto guest = Guest(5000);
  guest.display_name = "Aaron First";
  update.guests = {guest};
  for (auto _ : state) {
    auto next = directory.With(update);
    benchmark::DoNotOptimize(next.size());
  }
}
BENCHMARK(BM_UpdateRename)->Unit(benchmark::kMillisecond);

// One guest created and one deleted (with its pairs).
void BM_UpdateCreateDelete(benchmark::State& state) {
  const auto& directory = Built();
  service::GuestDirectory::Update update;
  update.guests = {Guest(kGuests)};
  update.deleted = {Id(4242)};
  for (auto _ : state) {
    auto next = directory.With(update);
    benchmark::DoNotOptimize(next.size());
  }
}
BENCHMARK(BM_UpdateCreateDelete)->Unit(benchmark::kMillisecond);

// Every guest's list item joined into one body, as GET /api/v1/guests?query= does.
void BM_JoinAllRendered(benchmark::State& state) {
  const auto& directory = Built();
  for (auto _ : state) {
    auto page = directory.Guests({});
    std::string body;
    for (const auto* entry : page.items) body += entry->rendered;
    benchmark::DoNotOptimize(body.size());
  }
}
BENCHMARK(BM_JoinAllRendered)->Unit(benchmark::kMillisecond);

// The same body serialised guest by guest, as it was before the items were kept rendered.
void BM_SerialiseAll(benchmark::State& state) {
  const auto& directory = Built();
  for (auto _ : state) {
    auto page = directory.Guests({});
    std::string body;
    for (const auto* entry : page.items)
      body += api::GuestListItem(entry->guest, entry->pair_count);
    benchmark::DoNotOptimize(body.size());
  }
}
BENCHMARK(BM_SerialiseAll)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gp

BENCHMARK_MAIN();
