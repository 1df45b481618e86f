#pragma once
// The portal's HTTP surface (docs/api.md): pages, OAuth, and the JSON API under /api/v1. Each
// resource lives in its own file and registers its routes here.

#include <filesystem>
#include <functional>
#include <string>

#include "http/router.hpp"
#include "http/static_files.hpp"
#include "service/app_admin.hpp"
#include "service/guests.hpp"
#include "service/policy.hpp"
#include "service/sessions.hpp"
#include "service/sign_in.hpp"
#include "service/spaces.hpp"
#include "storage/storage.hpp"

namespace gp::api {

struct ApiOptions {
  bool secure_cookies = false;
  bool demo = false;
  std::string guest_provider;
  std::filesystem::path web_root;
  std::string webex_origin;  // allowed as a form-action target (the OAuth authorize page)
};

struct Deps {
  storage::Storage& storage;
  service::Sessions& sessions;
  service::AppAdmin& app_admin;
  service::Guests& guests;
  service::Policy& policy;
  service::Spaces& spaces;
  service::GuestAuth& guest_auth;
  service::AdminAuth& admin_auth;
  ApiOptions options;
};

// Registers every route; adds security headers to every response.
http::Handler BuildHandler(Deps& deps);

// Per-resource registration (one file each).
void AddPageRoutes(http::Router& router, Deps& deps, const http::StaticFiles& files);
void AddOAuthRoutes(http::Router& router, Deps& deps);
void AddSessionRoutes(http::Router& router, Deps& deps);
void AddGuestRoutes(http::Router& router, Deps& deps);
void AddPolicyRoutes(http::Router& router, Deps& deps);
void AddRoomRoutes(http::Router& router, Deps& deps);
void AddAdminRoutes(http::Router& router, Deps& deps);

}  // namespace gp::api
