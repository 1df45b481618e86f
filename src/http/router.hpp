#pragma once
// Routes requests by method and path pattern. Patterns are literal segments and "{name}" segments,
// which match one non-empty segment and land in Request::path_params; a final "{name...}" segment
// matches the rest of the path.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace gp::http {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  // Returns the route's index, for Find.
  std::size_t Add(std::string method, const std::string& pattern, Handler handler = {});
  // Called when no pattern matches the path, and when a pattern matches but not the method.
  void SetNotFound(Handler handler) { not_found_ = std::move(handler); }
  void SetMethodNotAllowed(Handler handler) { method_not_allowed_ = std::move(handler); }

  Response Dispatch(Request& request) const;

  // The index of the route for the request's method and path, filling request.path_params and
  // request.route; nullopt when none matches. `path_matched` tells a wrong method (405) from an
  // unknown path (404).
  std::optional<std::size_t> Find(Request& request, bool& path_matched) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string_view>& segments,
                    std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
  Handler not_found_;
  Handler method_not_allowed_;
};

// Splits "/a/b/c" into {"a","b","c"}; an empty path or "/" gives no segments.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace gp::http
