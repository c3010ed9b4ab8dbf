#include "core/log.hpp"

#include "core/util/time.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <regex>
#include <vector>

namespace zc::log {

namespace {

std::atomic<Level> g_level{Level::warn};
std::atomic<Format> g_format{Format::text};
std::mutex g_mutex;
std::vector<std::string> g_secrets; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

const char* name(Level l)
{
  switch (l) {
  case Level::debug:
    return "debug";
  case Level::info:
    return "info";
  case Level::warn:
    return "warn";
  case Level::error:
    return "error";
  case Level::off:
    return "off";
  }
  return "?";
}

} // namespace

void set_level(Level level)
{
  g_level = level;
}

Level level()
{
  return g_level;
}

void set_format(Format format)
{
  g_format = format;
}

void add_secret(std::string_view secret)
{
  if (secret.size() < 4) {
    return;
  }
  const std::lock_guard lock(g_mutex);
  g_secrets.emplace_back(secret);
}

namespace {

// What `redact` hides: the value after "Bearer"/"Basic", of these query parameters, and of these JSON
// keys (case-insensitively). Both the regex and the cheap pre-check below are made from these lists.
constexpr std::array<std::string_view, 5> k_query_names{"zak", "token", "tk", "access_token", "signature"};
constexpr std::array<std::string_view, 8> k_json_keys{"access_token",  "token",          "signature",  "zak",
                                                      "client_secret", "encryptedtoken", "sdk_secret", "start_url"};

// Whether `text` contains something the patterns of `redact` could match: every match contains
// "bearer" or "basic", "?name=" or "&name=" for a query name, or "\"key\"" for a JSON key.
bool may_hold_credential(std::string_view text)
{
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (lower.find("bearer") != std::string::npos || lower.find("basic") != std::string::npos) {
    return true;
  }
  auto found = [&lower](std::string_view name, auto&& around) {
    for (auto pos = lower.find(name); pos != std::string::npos; pos = lower.find(name, pos + 1)) {
      const char before = pos > 0 ? lower[pos - 1] : '\0';
      const char after = pos + name.size() < lower.size() ? lower[pos + name.size()] : '\0';
      if (around(before, after)) {
        return true;
      }
    }
    return false;
  };
  const auto query = [](char before, char after) { return (before == '?' || before == '&') && after == '='; };
  const auto json = [](char before, char after) { return before == '"' && after == '"'; };
  return std::any_of(k_query_names.begin(), k_query_names.end(), [&](auto n) { return found(n, query); }) ||
         std::any_of(k_json_keys.begin(), k_json_keys.end(), [&](auto k) { return found(k, json); });
}

std::regex credential_patterns()
{
  return std::regex(fmt::format(R"re((Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+)re"
                                R"re(|([?&]({})=)[^&\s"']+)re"
                                R"re(|("({})"\s*:\s*")[^"]*")re",
                                fmt::join(k_query_names, "|"), fmt::join(k_json_keys, "|")),
                    std::regex::icase);
}

} // namespace

std::string redact(std::string_view text)
{
  std::string out(text);
  {
    const std::lock_guard lock(g_mutex);
    for (const auto& s : g_secrets) {
      for (auto pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos)) {
        out.replace(pos, s.size(), "[redacted]");
      }
    }
  }
  if (!may_hold_credential(out)) {
    return out; // the common case (request lines): no need to run the regex
  }
  static const std::regex k_patterns = credential_patterns();
  std::string result;
  std::regex_iterator<std::string::iterator> it(out.begin(), out.end(), k_patterns);
  const std::regex_iterator<std::string::iterator> end;
  auto last = out.cbegin();
  for (; it != end; ++it) {
    const auto& m = *it;
    result.append(last, out.cbegin() + m.position());
    if (m[1].matched) {
      result += m[1].str() + " [redacted]";
    } else if (m[2].matched) {
      result += m[2].str() + "[redacted]";
    } else {
      result += m[4].str() + "[redacted]\"";
    }
    last = out.cbegin() + m.position() + m.length();
  }
  result.append(last, out.cend());
  return result;
}

void write_fields(Level lvl, std::string_view where, std::string_view message, const std::string& json_fields)
{
  if (lvl < g_level) {
    return;
  }
  const std::string ts = format_iso8601(now());
  std::string line;
  if (g_format == Format::json) {
    nlohmann::json j =
        json_fields.empty() ? nlohmann::json::object() : nlohmann::json::parse(json_fields, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      j = nlohmann::json::object();
    }
    j["ts"] = ts;
    j["level"] = name(lvl);
    j["component"] = where;
    j["msg"] = message;
    line = redact(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    line = redact(
        fmt::format("{} {} {}: {}{}{}", ts, name(lvl), where, message, json_fields.empty() ? "" : " ", json_fields));
  }
  const std::lock_guard lock(g_mutex);
  std::fputs(line.c_str(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void write(Level lvl, std::string_view where, std::string_view message)
{
  write_fields(lvl, where, message, {});
}

} // namespace zc::log
