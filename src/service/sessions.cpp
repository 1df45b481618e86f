#include "service/sessions.hpp"

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::service {
namespace {

std::string HashCookie(const std::string& cookie_value) {
  return HexEncode(crypto::Sha256(cookie_value));
}

}  // namespace

std::string Sessions::IdHash(const std::string& cookie_value) { return HashCookie(cookie_value); }

Sessions::Sessions(storage::Storage& storage, Clock clock, int64_t lifetime_seconds, bool cache)
    : storage_(storage), clock_(std::move(clock)), lifetime_seconds_(lifetime_seconds), cache_enabled_(cache) {}

Result<NewSession> Sessions::Create(std::string role, std::optional<std::string> guest_id,
                                    std::optional<std::string> admin_email) {
  NewSession created;
  created.cookie_value = crypto::RandomToken(32);
  int64_t now = clock_();
  storage::SessionRecord record;
  record.id_hash = HashCookie(created.cookie_value);
  record.role = role;
  record.guest_id = guest_id;
  record.admin_email = admin_email;
  record.csrf_token = crypto::RandomToken(24);
  record.created_at = now;
  record.expires_at = now + lifetime_seconds_;
  auto stored = storage_.CreateSession(record);
  if (!stored) return tl::unexpected(stored.error());
  created.session = Session{std::move(role), std::move(guest_id), std::move(admin_email),
                            record.csrf_token, record.expires_at};
  return created;
}

Result<NewSession> Sessions::CreateForGuest(const std::string& guest_id) {
  return Create("guest", guest_id, std::nullopt);
}

Result<NewSession> Sessions::CreateForAdmin(const std::string& email) {
  return Create("admin", std::nullopt, email);
}

void Sessions::Remember(const std::string& id_hash, const Session& session, int64_t now, uint64_t generation) {
  if (!cache_enabled_) return;
  std::lock_guard lock(cache_mutex_);
  if (generation != generation_) return;
  if (cache_.size() >= kCacheCapacity) cache_.clear();
  cache_[id_hash] = Cached{session, now};
}

void Sessions::Forget(const std::string& id_hash) {
  std::lock_guard lock(cache_mutex_);
  ++generation_;
  cache_.erase(id_hash);
}

Result<Session> Sessions::Load(const std::string& id_hash, int64_t now) {
  auto record = storage_.GetSession(id_hash);
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kUnauthorized, "not_signed_in", "You are not signed in.");
    }
    return tl::unexpected(record.error());
  }
  if (record->expires_at <= now) {
    // Expired rows are deleted by the periodic clean-up, not here: resolving never writes.
    return Fail(ErrorCode::kUnauthorized, "session_expired", "Your session has ended. Please sign in again.");
  }
  return Session{record->role,       record->guest_id,   record->admin_email,
                 record->csrf_token, record->expires_at, record->must_change_password};
}

Result<Session> Sessions::Resolve(const std::string& cookie_value) {
  if (cookie_value.empty() || cookie_value.size() > 128) {
    return Fail(ErrorCode::kUnauthorized, "not_signed_in", "You are not signed in.");
  }
  std::string id_hash = HashCookie(cookie_value);
  int64_t now = clock_();
  if (!cache_enabled_) {
    // The version first: a session ended after it was read moves it, so what is kept under it is
    // never older than it.
    auto version = storage_.Version();
    if (version) {
      if (auto kept = shared_cache_.Get(id_hash, *version); kept && kept->expires_at > now) return std::move(*kept);
    }
    auto session = Load(id_hash, now);
    if (session && version) shared_cache_.Put(id_hash, *version, *session);
    return session;
  }
  uint64_t generation = 0;
  {
    std::lock_guard lock(cache_mutex_);
    generation = generation_;
    auto cached = cache_.find(id_hash);
    if (cached != cache_.end()) {
      if (now - cached->second.cached_at < kCacheSeconds && cached->second.session.expires_at > now) {
        return cached->second.session;
      }
      cache_.erase(cached);
    }
  }
  auto session = Load(id_hash, now);
  if (session) Remember(id_hash, *session, now, generation);
  return session;
}

Result<void> Sessions::End(const std::string& cookie_value) {
  std::string id_hash = HashCookie(cookie_value);
  auto deleted = storage_.DeleteSession(id_hash);
  Forget(id_hash);
  if (!deleted && deleted.error().code != ErrorCode::kNotFound) return tl::unexpected(deleted.error());
  return {};
}

void Sessions::ForgetGuest(const std::string& guest_id) {
  std::lock_guard lock(cache_mutex_);
  ++generation_;
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.session.guest_id == guest_id; });
}

}  // namespace gp::service
