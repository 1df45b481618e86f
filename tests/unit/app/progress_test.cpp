#include "app/progress.hpp"

#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace gp::app {
namespace {

// What a Progress wrote to its stream.
class Captured {
 public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  Captured(const Captured&) = delete;
  Captured& operator=(const Captured&) = delete;
  std::FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    for (int c = std::fgetc(file_); c != EOF; c = std::fgetc(file_))
      text.push_back(static_cast<char>(c));
    return text;
  }

 private:
  std::FILE* file_;
};

TEST(ProgressTest, DisabledWritesNothingAtAll) {
  Captured out;
  {
    Progress progress("backup", "pages", out.file(), false);
    for (int i = 0; i <= 1000; ++i) progress.Update(i, 1000);
    progress.Finish();
  }
  EXPECT_EQ(out.Text(), "");
}

TEST(ProgressTest, DrawsTheCountAndPercentOnOneLineAndClearsIt) {
  Captured out;
  Progress progress("guests import", "guests", out.file(), true);
  progress.Update(5, 20);
  EXPECT_EQ(out.Text(), "\rguests import: 5 of 20 guests (25%)");
  progress.Finish();
  const std::string text = out.Text();
  EXPECT_EQ(text.find('\n'), std::string::npos) << "a progress line never ends a line";
  // Cleared: the last thing written is spaces over the line and a return to its start.
  const std::string cleared =
      "\r" + std::string(std::string("guests import: 5 of 20 guests (25%)").size(), ' ') + "\r";
  ASSERT_GE(text.size(), cleared.size());
  EXPECT_EQ(text.substr(text.size() - cleared.size()), cleared);
}

TEST(ProgressTest, AnUnknownTotalShowsTheCountOnly) {
  Captured out;
  Progress progress("export", "rows", out.file(), true);
  progress.Update(42, 0);
  EXPECT_EQ(out.Text(), "\rexport: 42 rows");
}

TEST(ProgressTest, UpdatesAreThrottledToTenASecond) {
  Captured out;
  Progress progress("copy", "rows", out.file(), true);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100000; ++i) progress.Update(i, 100000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // The first update draws; after it, one draw per 100 ms that passed at most.
  EXPECT_LE(progress.draws(), 1 + elapsed / std::chrono::milliseconds(100));
  const int before = progress.draws();
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  progress.Update(99999, 100000);
  EXPECT_EQ(progress.draws(), before + 1) << "a draw is due once 100 ms have passed";
}

}  // namespace
}  // namespace gp::app
