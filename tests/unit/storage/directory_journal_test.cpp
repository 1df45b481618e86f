#include "storage/directory_journal.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace gp::storage {
namespace {

DirectoryChange Step(int64_t before, int64_t after, std::string guest = "g") {
  DirectoryChange change;
  change.before = before;
  change.after = after;
  change.guests = {std::move(guest)};
  return change;
}

std::vector<int64_t> Afters(const std::vector<DirectoryChange>& chain) {
  std::vector<int64_t> afters;
  for (const auto& change : chain) afters.push_back(change.after);
  return afters;
}

TEST(DirectoryJournalTest, FollowsTheChainOldestFirst) {
  DirectoryJournal journal;
  journal.Record(Step(0, 1, "a"));
  journal.Record(Step(1, 4, "b"));  // a statement that touched three rows
  journal.Record(Step(4, 5, "c"));
  auto chain = journal.Since(0, 5);
  ASSERT_TRUE(chain);
  EXPECT_EQ(Afters(*chain), (std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ((*chain)[1].guests, std::vector<std::string>{"b"});
  auto tail = journal.Since(1, 5);
  ASSERT_TRUE(tail);
  EXPECT_EQ(Afters(*tail), (std::vector<int64_t>{4, 5}));
  auto head = journal.Since(0, 4);
  ASSERT_TRUE(head);
  EXPECT_EQ(Afters(*head), (std::vector<int64_t>{1, 4}));
}

TEST(DirectoryJournalTest, SameVersionIsAnEmptyChain) {
  DirectoryJournal journal;
  auto none = journal.Since(7, 7);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  journal.Record(Step(7, 8));
  auto still = journal.Since(8, 8);
  ASSERT_TRUE(still);
  EXPECT_TRUE(still->empty());
}

TEST(DirectoryJournalTest, AMissingStepIsNullopt) {
  DirectoryJournal journal;
  journal.Record(Step(0, 1));
  journal.Record(Step(2, 3));  // 1 -> 2 was made by someone else
  EXPECT_FALSE(journal.Since(0, 3));
  EXPECT_FALSE(journal.Since(1, 3));
  EXPECT_TRUE(journal.Since(2, 3));
  // The version moved past the last change this process knows of.
  EXPECT_FALSE(journal.Since(2, 4));
  // A step that goes beyond `now` does not count as reaching it.
  DirectoryJournal wide;
  wide.Record(Step(0, 5));
  EXPECT_FALSE(wide.Since(0, 3));
}

TEST(DirectoryJournalTest, SinceAfterNowIsNullopt) {
  DirectoryJournal journal;
  journal.Record(Step(0, 1));
  EXPECT_FALSE(journal.Since(2, 1));
  EXPECT_FALSE(journal.Since(1, 0));
}

TEST(DirectoryJournalTest, IgnoresChangesThatDidNotMoveTheVersion) {
  DirectoryJournal journal;
  journal.Record(Step(3, 3));
  journal.Record(Step(5, 4));
  EXPECT_EQ(journal.Size(), 0U);
  EXPECT_FALSE(journal.Since(3, 4));
}

TEST(DirectoryJournalTest, ChangesRecordedOutOfOrderStillChain) {
  // Two connections commit 0->1 and 1->2; the second one records first.
  DirectoryJournal journal;
  journal.Record(Step(1, 2, "second"));
  EXPECT_FALSE(journal.Since(0, 2));
  journal.Record(Step(0, 1, "first"));
  auto chain = journal.Since(0, 2);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2U);
  EXPECT_EQ((*chain)[0].guests, std::vector<std::string>{"first"});
  EXPECT_EQ((*chain)[1].guests, std::vector<std::string>{"second"});
}

TEST(DirectoryJournalTest, KeepsTheNewest1024Changes) {
  DirectoryJournal journal;
  const int64_t total = static_cast<int64_t>(DirectoryJournal::kCapacity) + 100;
  for (int64_t v = 0; v < total; ++v) journal.Record(Step(v, v + 1, "g" + std::to_string(v)));
  EXPECT_EQ(journal.Size(), DirectoryJournal::kCapacity);
  const int64_t oldest_kept = total - static_cast<int64_t>(DirectoryJournal::kCapacity);
  auto kept = journal.Since(oldest_kept, total);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->size(), DirectoryJournal::kCapacity);
  EXPECT_EQ(kept->front().guests, std::vector<std::string>{"g" + std::to_string(oldest_kept)});
  EXPECT_FALSE(journal.Since(oldest_kept - 1, total));
  EXPECT_FALSE(journal.Since(0, total));
}

TEST(DirectoryJournalTest, ThreadsRecordingAndReadingAtOnceLoseNothing) {
  // 8 threads each record 100 changes of their own versions (thread t owns t, t+8, t+16, ...) while
  // another reads; in the end the whole chain is there (fewer than kCapacity changes in all).
  DirectoryJournal journal;
  constexpr int kThreads = 8;
  constexpr int kEach = 100;
  std::vector<std::thread> threads;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      auto chain = journal.Since(0, kThreads * kEach);
      if (chain) {
        EXPECT_EQ(chain->size(), static_cast<size_t>(kThreads * kEach));
      }
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&journal, t] {
      for (int i = 0; i < kEach; ++i) {
        const int64_t before = static_cast<int64_t>(i) * kThreads + t;
        journal.Record(Step(before, before + 1, std::to_string(before)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  reader.join();
  auto chain = journal.Since(0, kThreads * kEach);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < chain->size(); ++i) EXPECT_EQ((*chain)[i].before, static_cast<int64_t>(i));
}

TEST(DirectoryJournalTest, EncodesAChangeAsJsonAndReadsItBack) {
  DirectoryChange change;
  change.before = 4;
  change.after = 6;
  change.guests = {"g1", "g\"2"};
  change.added = {{"a", "b"}};
  change.removed = {{"c", "d"}, {"e", "f"}};
  const std::string json = DirectoryJournal::Encode(change);
  EXPECT_EQ(json,
            R"({"added":[["a","b"]],"guests":["g1","g\"2"],"removed":[["c","d"],["e","f"]]})");
  auto back = DirectoryJournal::Decode(4, 6, json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, change);
  for (const char* bad : {"", "[]", "{}", R"({"guests":[1],"added":[],"removed":[]})",
                          R"({"guests":[],"added":[["a"]],"removed":[]})",
                          R"({"guests":[],"added":[],"removed":"x"})"}) {
    EXPECT_FALSE(DirectoryJournal::Decode(1, 2, bad)) << bad;
  }
}

TEST(DirectoryJournalTest, ChainsRowsReadFromTheTableWhateverTheirOrder) {
  auto step = [](int64_t before, int64_t after, const std::string& guest) {
    DirectoryChange change;
    change.before = before;
    change.after = after;
    change.guests = {guest};
    return change;
  };
  auto chain = DirectoryJournal::Chain({step(3, 5, "b"), step(1, 3, "a")}, 1, 5);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2U);
  EXPECT_EQ(chain->front().guests, std::vector<std::string>{"a"});
  EXPECT_EQ(chain->back().guests, std::vector<std::string>{"b"});
  EXPECT_FALSE(DirectoryJournal::Chain({step(3, 5, "b")}, 1, 5));
  EXPECT_FALSE(DirectoryJournal::Chain({step(1, 3, "a"), step(3, 5, "b")}, 1, 6));
}

}  // namespace
}  // namespace gp::storage
