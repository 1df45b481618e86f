#pragma once
// Opaque ids for guests and spaces: 20 characters of lowercase base32 (100 random bits).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace gp::domain {

inline constexpr size_t kIdLength = 20;

// Fills `size` bytes at `out` with random bytes. Tests inject a deterministic one.
using RandomSource = std::function<void(unsigned char* out, size_t size)>;

// The operating system's random generator (std::random_device).
RandomSource SystemRandom();

std::string NewId(const RandomSource& random);
// NewId(SystemRandom()).
std::string NewId();

// True when `text` has the shape of an id made by NewId (length and alphabet); lets handlers reject
// garbage path parameters before they reach storage.
bool LooksLikeId(std::string_view text);

}  // namespace gp::domain
