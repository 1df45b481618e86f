#include "http/router.hpp"

namespace gp::http {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end;
  }
  return segments;
}

std::size_t Router::Add(std::string method, const std::string& pattern, Handler handler) {
  Route route{std::move(method), pattern, {}, std::move(handler)};
  for (auto segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& segments,
                   std::map<std::string, std::string>& params) {
  params.clear();
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& pattern = route.segments[i];
    bool is_param = pattern.size() > 2 && pattern.front() == '{' && pattern.back() == '}';
    if (is_param && pattern.ends_with("...}")) {
      if (i >= segments.size()) return false;
      std::string rest;
      for (size_t j = i; j < segments.size(); ++j) {
        if (!rest.empty()) rest.push_back('/');
        rest.append(segments[j]);
      }
      params[pattern.substr(1, pattern.size() - 5)] = rest;
      return true;
    }
    if (i >= segments.size()) return false;
    if (is_param) {
      params[pattern.substr(1, pattern.size() - 2)] = std::string(segments[i]);
    } else if (pattern != segments[i]) {
      return false;
    }
  }
  return route.segments.size() == segments.size();
}

std::optional<std::size_t> Router::Find(Request& request, bool& path_matched) const {
  auto segments = SplitPath(request.path);
  path_matched = false;
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (!Match(route, segments, params)) continue;
    path_matched = true;
    if (route.method == request.method || (route.method == "GET" && request.method == "HEAD")) {
      request.path_params = std::move(params);
      request.route = route.pattern;
      return i;
    }
  }
  return std::nullopt;
}

Response Router::Dispatch(Request& request) const {
  bool path_matched = false;
  if (auto index = Find(request, path_matched)) return routes_[*index].handler(request);
  if (path_matched && method_not_allowed_) return method_not_allowed_(request);
  if (not_found_) return not_found_(request);
  return Response::Text(path_matched ? 405 : 404, path_matched ? "method not allowed" : "not found");
}

}  // namespace gp::http
