#include "http/router.hpp"

#include <gtest/gtest.h>

namespace gp::http {
namespace {

Request MakeRequest(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  router.Add("GET", "/v1/rooms", [](Request&) { return Response::Text(200, "list"); });
  router.Add("GET", "/v1/rooms/{id}", [](Request& r) { return Response::Text(200, "room " + *r.PathParam("id")); });
  auto list = MakeRequest("GET", "/v1/rooms");
  EXPECT_EQ(router.Dispatch(list).body, "list");
  auto one = MakeRequest("GET", "/v1/rooms/abc");
  EXPECT_EQ(router.Dispatch(one).body, "room abc");
}

TEST(RouterTest, FindNamesTheMatchedPatternNotThePath) {
  Router router;
  router.Add("GET", "/v1/rooms", [](Request&) { return Response::Text(200, "list"); });
  router.Add("GET", "/v1/rooms/{id}/messages", [](Request&) { return Response::Text(200, "messages"); });
  bool path_matched = false;
  auto messages = MakeRequest("GET", "/v1/rooms/r-42/messages");
  ASSERT_TRUE(router.Find(messages, path_matched).has_value());
  EXPECT_EQ(messages.route, "/v1/rooms/{id}/messages");
  auto unknown = MakeRequest("GET", "/v1/nowhere");
  EXPECT_FALSE(router.Find(unknown, path_matched).has_value());
  EXPECT_EQ(unknown.route, "");
}

TEST(RouterTest, DistinguishesNotFoundFromMethodNotAllowed) {
  Router router;
  router.Add("GET", "/a", [](Request&) { return Response::Text(200, "a"); });
  auto missing = MakeRequest("GET", "/b");
  EXPECT_EQ(router.Dispatch(missing).status, 404);
  auto wrong_method = MakeRequest("DELETE", "/a");
  EXPECT_EQ(router.Dispatch(wrong_method).status, 405);
}

TEST(RouterTest, RestParameterTakesRemainingSegments) {
  Router router;
  router.Add("GET", "/static/{file...}", [](Request& r) { return Response::Text(200, *r.PathParam("file")); });
  auto request = MakeRequest("GET", "/static/js/app.js");
  EXPECT_EQ(router.Dispatch(request).body, "js/app.js");
}

TEST(RouterTest, HeadIsServedByGetRoutes) {
  Router router;
  router.Add("GET", "/x", [](Request&) { return Response::Text(200, "x"); });
  auto request = MakeRequest("HEAD", "/x");
  EXPECT_EQ(router.Dispatch(request).status, 200);
}

}  // namespace
}  // namespace gp::http
