#include "http/static_files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/encoding.hpp"
#include "http/router.hpp"

namespace gp::http {
namespace {

bool SafeRelativePath(const std::string& relative) {
  if (relative.empty() || relative.size() > 512) return false;
  for (auto segment : SplitPath(relative)) {
    if (segment.empty() || segment.front() == '.') return false;  // "..", ".", hidden files
  }
  return relative.find('\\') == std::string::npos && relative.find('\0') == std::string::npos;
}

// Whether `path` is `root` or below it; both canonical, so this is a comparison of components.
bool Within(const std::filesystem::path& root, const std::filesystem::path& path) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

std::filesystem::path CanonicalRoot(const std::filesystem::path& root) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root, ec);
  // A root that does not exist yet serves nothing until it does; its files are still checked
  // against this lexical form, so a root that later appears as a symlink serves nothing either.
  if (!ec) return canonical;
  auto lexical = std::filesystem::absolute(root, ec).lexically_normal();
  return lexical.has_filename() ? lexical : lexical.parent_path();  // no trailing "" component
}

}  // namespace

std::string ContentTypeFor(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},           {".svg", "image/svg+xml"},
      {".png", "image/png"},                   {".ico", "image/x-icon"},
      {".map", "application/json"},            {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},                {".wasm", "application/wasm"},
  };
  auto dot = name.rfind('.');
  if (dot != std::string::npos) {
    auto it = kTypes.find(ToLower(name.substr(dot)));
    if (it != kTypes.end()) return it->second;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const std::filesystem::path& root) : root_(CanonicalRoot(root)) {}

std::shared_ptr<const StaticFiles::File> StaticFiles::Load(const std::string& relative) const {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(relative);
    if (it != cache_.end()) return it->second;
  }
  // Symlinks may lead anywhere below the root, nowhere else; the path checked is the path opened.
  std::error_code ec;
  std::filesystem::path path = std::filesystem::canonical(root_ / relative, ec);
  if (ec || !Within(root_, path)) return nullptr;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream content;
  content << in.rdbuf();
  auto file = std::make_shared<File>();
  file->content = content.str();
  file->content_type = ContentTypeFor(relative);
  file->etag = "\"" + std::to_string(std::hash<std::string>{}(file->content)) + "\"";
  std::lock_guard lock(mutex_);
  cache_[relative] = file;
  return file;
}

Response StaticFiles::Serve(const Request& request, const std::string& relative) const {
  if (!SafeRelativePath(relative)) return Response::Text(404, "Not found.");
  auto file = Load(relative);
  if (!file) return Response::Text(404, "Not found.");
  Response response;
  response.headers.Set("ETag", file->etag);
  response.headers.Set("Cache-Control", "no-cache");
  auto if_none_match = request.headers.Get("If-None-Match");
  if (if_none_match && *if_none_match == file->etag) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.headers.Set("Content-Type", file->content_type);
  response.body = file->content;
  return response;
}

}  // namespace gp::http
