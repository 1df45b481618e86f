#pragma once
// Serves files below one directory. Paths that leave the directory, hidden files and anything that
// is not a regular file are 404; so is a file whose canonical path (symlinks resolved) is not below
// the directory's canonical path, whether a symlinked file or a symlinked directory leads there.
// Files are read once and kept in memory (the web UI is small).

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/message.hpp"

namespace gp::http {

class StaticFiles {
 public:
  explicit StaticFiles(const std::filesystem::path& root);

  // `relative` is the part of the URL path below the mount point, e.g. "js/app.js".
  Response Serve(const Request& request, const std::string& relative) const;

 private:
  struct File {
    std::string content;
    std::string content_type;
    std::string etag;
  };
  std::shared_ptr<const File> Load(const std::string& relative) const;

  std::filesystem::path root_;  // canonical when it existed at construction
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const File>> cache_;
};

// The Content-Type for a file name, by its extension.
std::string ContentTypeFor(const std::string& name);

}  // namespace gp::http
