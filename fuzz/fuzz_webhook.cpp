// libFuzzer target: a webhook delivery body, signed correctly so that the input
// reaches JSON parsing, event parsing and dedupe-key computation.

#include "core/crypto.hpp"
#include "core/util/time.hpp"
#include "core/webhook.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const std::string k_secret = "fuzz-webhook-secret";
  const std::string body(reinterpret_cast<const char*>(data), size); // NOLINT
  const auto now = zc::parse_iso8601("2026-11-25T12:00:00Z").value();
  const std::string ts = std::to_string(now.time_since_epoch().count());
  zc::webhook::Headers headers{{"x-zm-request-timestamp", ts},
                               {"x-zm-signature", zc::webhook::signature(k_secret, ts, body)}};
  zc::webhook::VerifyOptions opt;
  opt.secret = k_secret;
  opt.now = now;
  const auto v = zc::webhook::verify(body, headers, opt);
  if (v.ok()) {
    auto event = zc::webhook::parse_event(v.body, body);
    if (event) {
      (void)zc::webhook::dedupe_key(*event, body);
    }
  }
  // A delivery with a wrong signature must never be accepted.
  zc::webhook::Headers forged{{"x-zm-request-timestamp", ts}, {"x-zm-signature", "v0=" + std::string(64, '0')}};
  if (zc::webhook::verify(body, forged, opt).ok()) {
    __builtin_trap();
  }
  return 0;
}
