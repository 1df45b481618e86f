#include "domain/ids.hpp"

#include <array>
#include <random>

namespace gp::domain {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

RandomSource SystemRandom() {
  return [](unsigned char* out, size_t size) {
    std::random_device device;
    for (size_t i = 0; i < size; ++i) out[i] = static_cast<unsigned char>(device());
  };
}

std::string NewId(const RandomSource& random) {
  std::array<unsigned char, kIdLength> bytes{};
  random(bytes.data(), bytes.size());
  std::string id(kIdLength, 'a');
  // 256 is a multiple of 32, so taking the low five bits keeps every character equally likely.
  for (size_t i = 0; i < kIdLength; ++i) id[i] = kAlphabet[bytes[i] & 31];
  return id;
}

std::string NewId() { return NewId(SystemRandom()); }

bool LooksLikeId(std::string_view text) {
  if (text.size() != kIdLength) return false;
  for (char c : text) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace gp::domain
