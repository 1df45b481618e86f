// Guest imports (the original sample's guests.json and CSV), uploaded by an administrator. Whatever
// a parser accepts must pass the same validators as a guest created by hand.
// Input: first byte even → guests.json, odd → CSV; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/guests.hpp"
#include "domain/imports.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto plan = data[0] % 2 == 0 ? gp::domain::ParseGuestsJson(text) : gp::domain::ParseGuestsCsv(text);
  if (!plan) return 0;
  if (plan->guests.size() > gp::domain::kMaxImportEntries) __builtin_trap();
  for (const auto& guest : plan->guests) {
    if (!gp::domain::ValidateUsername(guest.username)) __builtin_trap();
    if (!gp::domain::ValidateDisplayName(guest.display_name)) __builtin_trap();
    if (!gp::domain::ValidatePassword(guest.password)) __builtin_trap();
  }
  for (const auto& pair : plan->pairs) {
    if (!(pair.username_a < pair.username_b)) __builtin_trap();
  }
  return 0;
}
