#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace gp::http {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// A temporary directory holding a web root and, beside it, files the web root must not expose.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("gp-static-files-test-" + std::to_string(std::random_device{}()));
    root_ = base_ / "web";
    fs::create_directories(root_ / "js");
    fs::create_directories(base_ / "outside");
    WriteFile(root_ / "index.html", "<h1>hello</h1>");
    WriteFile(root_ / "js" / "app.js", "export {};");
    WriteFile(base_ / "secret.txt", "top secret");
    WriteFile(base_ / "outside" / "key.pem", "private key");
  }
  void TearDown() override { fs::remove_all(base_); }

  Response Get(const StaticFiles& files, const std::string& relative) {
    Request request;
    request.method = "GET";
    request.path = "/" + relative;
    return files.Serve(request, relative);
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesRegularFilesBelowTheRoot) {
  StaticFiles files(root_);
  auto index = Get(files, "index.html");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>hello</h1>");
  EXPECT_EQ(index.headers.Get("Content-Type"), "text/html; charset=utf-8");
  auto script = Get(files, "js/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.body, "export {};");
}

TEST_F(StaticFilesTest, RefusesASymlinkedFileThatLeavesTheRoot) {
  fs::create_symlink(base_ / "secret.txt", root_ / "secret.txt");
  fs::create_symlink("../../secret.txt", root_ / "js" / "relative.txt");
  StaticFiles files(root_);
  EXPECT_EQ(Get(files, "secret.txt").status, 404);
  EXPECT_EQ(Get(files, "js/relative.txt").status, 404);
  EXPECT_EQ(Get(files, "index.html").status, 200);
}

TEST_F(StaticFilesTest, RefusesFilesThroughASymlinkedDirectoryThatLeavesTheRoot) {
  fs::create_directory_symlink(base_ / "outside", root_ / "assets");
  fs::create_directory_symlink(base_, root_ / "up");
  StaticFiles files(root_);
  EXPECT_EQ(Get(files, "assets/key.pem").status, 404);
  EXPECT_EQ(Get(files, "up/secret.txt").status, 404);
  EXPECT_EQ(Get(files, "up/web/index.html").status, 200) << "back inside the root is inside";
}

TEST_F(StaticFilesTest, ServesSymlinksThatStayInsideTheRoot) {
  fs::create_symlink("index.html", root_ / "home.html");
  fs::create_directory_symlink("js", root_ / "scripts");
  StaticFiles files(root_);
  EXPECT_EQ(Get(files, "home.html").body, "<h1>hello</h1>");
  EXPECT_EQ(Get(files, "scripts/app.js").body, "export {};");
}

TEST_F(StaticFilesTest, ARootReachedThroughASymlinkStillServesItsFiles) {
  fs::create_directory_symlink(root_, base_ / "current");
  StaticFiles files(base_ / "current");
  EXPECT_EQ(Get(files, "index.html").status, 200);
  fs::create_symlink(base_ / "secret.txt", root_ / "secret.txt");
  EXPECT_EQ(Get(files, "secret.txt").status, 404);
}

TEST_F(StaticFilesTest, RefusesDotSegmentsHiddenFilesAndDirectories) {
  WriteFile(root_ / ".env", "SECRET=1");
  StaticFiles files(root_);
  EXPECT_EQ(Get(files, "../secret.txt").status, 404);
  EXPECT_EQ(Get(files, "js/../../secret.txt").status, 404);
  EXPECT_EQ(Get(files, ".env").status, 404);
  EXPECT_EQ(Get(files, "js").status, 404);
  EXPECT_EQ(Get(files, "missing.html").status, 404);
}

TEST_F(StaticFilesTest, ABrokenSymlinkIsNotFound) {
  fs::create_symlink(base_ / "gone.txt", root_ / "gone.txt");
  StaticFiles files(root_);
  EXPECT_EQ(Get(files, "gone.txt").status, 404);
}

}  // namespace
}  // namespace gp::http
