#include "core/signature.hpp"

#include "core/crypto.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>

namespace zc::signature {

namespace {

// Zoom meeting numbers are 64-bit integers in REST; the longest positive int64 has 19 digits.
constexpr std::size_t k_max_meeting_digits = 19;
constexpr std::string_view k_int64_max = "9223372036854775807";

} // namespace

std::optional<SdkRole> parse_role(std::string_view text)
{
  if (text == "0" || text == "participant") {
    return SdkRole::participant;
  }
  if (text == "1" || text == "host") {
    return SdkRole::host;
  }
  return std::nullopt;
}

Expected<void> check_ttl(std::chrono::seconds ttl)
{
  if (ttl < k_min_ttl || ttl > k_max_ttl) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("signature lifetime must be between {} s (30 minutes) and {} s (48 hours), not {} s",
                                  k_min_ttl.count(), k_max_ttl.count(), ttl.count()));
  }
  return {};
}

Expected<std::string> normalize_meeting_number(std::string_view text)
{
  std::string digits;
  for (const char c : text) {
    if (c == ' ' || c == '-') {
      continue;
    }
    if (c < '0' || c > '9') {
      return make_error(ErrorKind::invalid_input,
                        fmt::format("meeting number '{}' must be digits only (Zoom's meeting ID, e.g. 85746065432)",
                                    text.substr(0, 40)));
    }
    digits.push_back(c);
  }
  while (digits.size() > 1 && digits.front() == '0') {
    digits.erase(digits.begin());
  }
  if (digits.empty() || digits == "0") {
    return make_error(ErrorKind::invalid_input, "meeting number is missing (Zoom's meeting ID, e.g. 85746065432)");
  }
  if (digits.size() > k_max_meeting_digits ||
      (digits.size() == k_max_meeting_digits && digits > std::string(k_int64_max))) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("meeting number '{}' is too long for a Zoom meeting ID", text.substr(0, 40)));
  }
  return digits;
}

Expected<SdkSignature> make_sdk_signature(std::string_view sdk_key, std::string_view sdk_secret,
                                          std::string_view meeting_number, SdkRole role, Seconds issued_at,
                                          std::chrono::seconds ttl)
{
  if (sdk_key.empty() || sdk_secret.empty()) {
    return make_error(ErrorKind::config, "Meeting SDK signatures need ZOOM_SDK_KEY and ZOOM_SDK_SECRET to be set");
  }
  if (auto ok = check_ttl(ttl); !ok) {
    return ok.error();
  }
  auto mn = normalize_meeting_number(meeting_number);
  if (!mn) {
    return mn.error();
  }
  const auto iat = static_cast<std::int64_t>(issued_at.time_since_epoch().count());
  const auto exp = iat + static_cast<std::int64_t>(ttl.count());
  // ordered_json keeps the claims in Zoom's sample order, so the bytes are reproducible.
  nlohmann::ordered_json payload;
  payload["appKey"] = sdk_key;
  payload["sdkKey"] = sdk_key;
  payload["mn"] = *mn;
  payload["role"] = static_cast<int>(role);
  payload["iat"] = iat;
  payload["exp"] = exp;
  payload["tokenExp"] = exp;
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  std::string signing_input = crypto::base64url_encode(header);
  signing_input += '.';
  signing_input += crypto::base64url_encode(payload.dump());
  const auto mac = crypto::hmac_sha256(sdk_secret, signing_input);

  SdkSignature out;
  out.jwt = signing_input + "." + crypto::base64url_encode(mac);
  out.meeting_number = *mn;
  out.role = role;
  out.issued_at = issued_at;
  out.expires_at = issued_at + ttl;
  return out;
}

} // namespace zc::signature
