#include "core/config.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

extern char** environ; // NOLINT(readability-redundant-declaration)

namespace zc::config {

namespace {

bool wanted_name(std::string_view name)
{
  return name.starts_with("ZOOM_") || name.starts_with("ZOOMCTL") || name == "XDG_DATA_HOME" || name == "HOME";
}

bool valid_key(std::string_view key)
{
  if (key.empty() || (std::isdigit(static_cast<unsigned char>(key.front())) != 0)) {
    return false;
  }
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

std::string trim(std::string_view s)
{
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Parses the value part of a dotenv line; false on an unterminated quote.
bool parse_value(std::string_view raw, std::string& out)
{
  const std::string v = trim(raw);
  out.clear();
  if (v.empty()) {
    return true;
  }
  if (v.front() == '\'' || v.front() == '"') {
    const char q = v.front();
    std::size_t i = 1;
    for (; i < v.size() && v[i] != q; ++i) {
      if (q == '"' && v[i] == '\\' && i + 1 < v.size()) {
        ++i;
        switch (v[i]) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        default:
          out.push_back(v[i]);
          break;
        }
        continue;
      }
      out.push_back(v[i]);
    }
    if (i >= v.size()) {
      return false;
    }
    const std::string rest = trim(std::string_view(v).substr(i + 1));
    return rest.empty() || rest.front() == '#';
  }
  // Unquoted: an inline comment starts at whitespace followed by '#'.
  std::string_view sv(v);
  for (std::size_t i = 1; i < sv.size(); ++i) {
    if (sv[i] == '#' && (sv[i - 1] == ' ' || sv[i - 1] == '\t')) {
      sv = sv.substr(0, i);
      break;
    }
  }
  out = trim(sv);
  return true;
}

bool is_loopback_host(std::string_view host)
{
  return host == "localhost" || host.starts_with("127.") || host == "[::1]";
}

// Returns an empty string when `url` is an acceptable base URL, else why not.
std::string check_url(const std::string& url, bool loopback_http_only)
{
  std::string_view rest;
  bool https = false;
  if (url.starts_with("https://")) {
    rest = std::string_view(url).substr(8);
    https = true;
  } else if (url.starts_with("http://")) {
    rest = std::string_view(url).substr(7);
  } else {
    return "must start with https:// (or http:// for a loopback address)";
  }
  const auto end = rest.find_first_of("/?#");
  const std::string_view hostport = rest.substr(0, end);
  if (hostport.empty()) {
    return "has no host";
  }
  if (url.find_first_of(" \t\r\n") != std::string::npos) {
    return "contains white space";
  }
  std::string_view host = hostport;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      return "has an unterminated IPv6 address";
    }
    host = host.substr(0, close + 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!https && loopback_http_only && !is_loopback_host(host)) {
    return "uses plain http:// for a non-loopback host; use https://";
  }
  return {};
}

std::string check_token_like(const std::string& v, std::size_t min_len, std::size_t max_len, bool id_charset)
{
  if (v.size() < min_len) {
    return fmt::format("is too short ({} characters, at least {})", v.size(), min_len);
  }
  if (v.size() > max_len) {
    return fmt::format("is too long ({} characters, at most {})", v.size(), max_len);
  }
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (id_charset) {
      if (std::isalnum(u) == 0 && c != '-' && c != '_' && c != '.') {
        return "may only contain letters, digits, '-', '_' and '.'";
      }
    } else if (u <= 0x20 || u == 0x7F) {
      return "contains white space or control characters";
    }
  }
  return {};
}

std::string mask_id(const std::string& v)
{
  if (v.size() <= 4) {
    return std::string(v.size(), '*');
  }
  return v.substr(0, 4) + std::string(std::min<std::size_t>(v.size() - 4, 8), '*');
}

struct VarSpec {
  const char* name;
  bool required;
  bool secret;
  const char* feature; // what a missing value switches off
  std::function<std::string(const std::string&)> check;
  std::function<void(Config&, const std::string&)> apply;
};

std::vector<VarSpec> specs()
{
  auto id = [](std::size_t min, std::size_t max) {
    return [=](const std::string& v) { return check_token_like(v, min, max, true); };
  };
  auto secret = [](std::size_t min, std::size_t max) {
    return [=](const std::string& v) { return check_token_like(v, min, max, false); };
  };
  return {
      {"ZOOM_ACCOUNT_ID", true, false, "Zoom API calls", id(6, 64),
       [](Config& c, const std::string& v) { c.account_id = v; }},
      {"ZOOM_CLIENT_ID", true, false, "Zoom API calls", id(6, 128),
       [](Config& c, const std::string& v) { c.client_id = v; }},
      {"ZOOM_CLIENT_SECRET", true, true, "Zoom API calls", secret(8, 256),
       [](Config& c, const std::string& v) { c.client_secret = v; }},
      {"ZOOM_SDK_KEY", true, false, "Meeting SDK signatures and the join page", id(6, 128),
       [](Config& c, const std::string& v) { c.sdk_key = v; }},
      {"ZOOM_SDK_SECRET", true, true, "Meeting SDK signatures and the join page", secret(8, 256),
       [](Config& c, const std::string& v) { c.sdk_secret = v; }},
      {"ZOOM_WEBHOOK_SECRET_TOKEN", true, true, "the webhook endpoint", secret(8, 256),
       [](Config& c, const std::string& v) { c.webhook_secret = v; }},
      {"ZOOM_API_URL", false, false, nullptr, [](const std::string& v) { return check_url(v, true); },
       [](Config& c, const std::string& v) {
         c.api_url = v;
         while (c.api_url.ends_with('/')) {
           c.api_url.pop_back();
         }
         c.api_url_explicit = true;
       }},
      {"ZOOM_OAUTH_URL", false, false, nullptr, [](const std::string& v) { return check_url(v, true); },
       [](Config& c, const std::string& v) { c.oauth_url = v; }},
      {"ZOOMCTL_DB", false, false, nullptr,
       [](const std::string& v) {
         return v.find('\n') != std::string::npos ? std::string("contains a line break") : std::string();
       },
       [](Config& c, const std::string& v) { c.db_path = v; }},
      {"ZOOMCTL_API_TOKEN", false, true, "POST /api/sessions and the platform's API access", secret(16, 512),
       [](Config& c, const std::string& v) { c.api_token = v; }},
      {"ZOOMCTL_LINK_SECRET", false, true, "access links (zoomctl link) and the pages' API", secret(16, 512),
       [](Config& c, const std::string& v) { c.link_secret = v; }},
      {"ZOOMCTL_PUBLIC_URL", false, false, nullptr, [](const std::string& v) { return check_url(v, false); },
       [](Config& c, const std::string& v) {
         c.public_url = v;
         while (c.public_url.ends_with('/')) {
           c.public_url.pop_back();
         }
       }},
      {"ZOOMCTLD_LISTEN", false, false, nullptr,
       [](const std::string& v) {
         const auto colon = v.rfind(':');
         if (colon == std::string::npos || colon == 0) {
           return std::string("must be ADDRESS:PORT, e.g. 127.0.0.1:3000");
         }
         int port = 0;
         const auto* b = v.data() + colon + 1;
         const auto* e = v.data() + v.size();
         const auto [p, ec] = std::from_chars(b, e, port);
         if (ec != std::errc{} || p != e || port < 1 || port > 65535) {
           return std::string("has no valid port (1-65535)");
         }
         return std::string();
       },
       [](Config& c, const std::string& v) { c.listen = v; }},
      {"ZOOMCTLD_THREADS", false, false, nullptr,
       [](const std::string& v) {
         int n = 0;
         const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
         if (ec != std::errc{} || p != v.data() + v.size() || n < 2 || n > 1024) {
           return std::string("must be a whole number of threads from 2 to 1024");
         }
         return std::string();
       },
       [](Config& c, const std::string& v) { c.threads = std::stoi(v); }},
      {"ZOOMCTL_ATTENDANCE_THRESHOLD", false, false, nullptr,
       [](const std::string& v) {
         int n = 0;
         const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
         if (ec != std::errc{} || p != v.data() + v.size() || n < 1 || n > 100) {
           return std::string("must be a whole percentage from 1 to 100");
         }
         return std::string();
       },
       [](Config& c, const std::string& v) { c.attendance_threshold = std::stoi(v); }},
  };
}

Need need_of(std::string_view name)
{
  if (name == "ZOOM_ACCOUNT_ID" || name == "ZOOM_CLIENT_ID" || name == "ZOOM_CLIENT_SECRET") {
    return Need::zoom_api;
  }
  if (name == "ZOOM_SDK_KEY" || name == "ZOOM_SDK_SECRET") {
    return Need::sdk;
  }
  if (name == "ZOOM_WEBHOOK_SECRET_TOKEN") {
    return Need::webhook;
  }
  if (name == "ZOOMCTL_API_TOKEN") {
    return Need::api_token;
  }
  if (name == "ZOOMCTL_LINK_SECRET") {
    return Need::links;
  }
  return Need::none;
}

} // namespace

Environment process_environment()
{
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr;
       ++e) { // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const auto name = kv.substr(0, eq);
    if (wanted_name(name)) {
      env.emplace(std::string(name), std::string(kv.substr(eq + 1)));
    }
  }
  return env;
}

Expected<Environment> read_env_file(const std::string& path, std::vector<std::string>& warnings)
{
  std::ifstream in(path);
  if (!in) {
    return make_error(ErrorKind::config, fmt::format("cannot read env file {}", path));
  }
  Environment env;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (t.empty() || t.front() == '#') {
      continue;
    }
    if (t.starts_with("export ")) {
      t = trim(std::string_view(t).substr(7));
    }
    const auto eq = t.find('=');
    if (eq == std::string::npos) {
      return make_error(ErrorKind::config, fmt::format("{}:{}: expected KEY=VALUE", path, lineno));
    }
    const std::string key = trim(std::string_view(t).substr(0, eq));
    if (!valid_key(key)) {
      return make_error(ErrorKind::config, fmt::format("{}:{}: '{}' is not a valid variable name", path, lineno, key));
    }
    std::string value;
    if (!parse_value(std::string_view(t).substr(eq + 1), value)) {
      return make_error(ErrorKind::config,
                        fmt::format("{}:{}: unterminated quote in the value of {}", path, lineno, key));
    }
    env[key] = value;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    const bool has_secret = std::any_of(env.begin(), env.end(), [](const auto& kv) {
      return kv.first.find("SECRET") != std::string::npos || kv.first.find("TOKEN") != std::string::npos;
    });
    if (has_secret) {
      warnings.push_back(
          fmt::format("warning: {} holds secrets and can be read by other users; run: chmod 600 {}", path, path));
    }
  }
  return env;
}

Environment merge(const Environment& file, const Environment& env)
{
  Environment out = file;
  for (const auto& [k, v] : env) {
    out[k] = v;
  }
  return out;
}

std::string default_db_path(const Environment& env)
{
  if (const auto it = env.find("XDG_DATA_HOME"); it != env.end() && !it->second.empty()) {
    return it->second + "/zoomctl/zoomctl.db";
  }
  if (const auto it = env.find("HOME"); it != env.end() && !it->second.empty()) {
    return it->second + "/.local/share/zoomctl/zoomctl.db";
  }
  return "zoomctl.db";
}

Loaded load(const Environment& env)
{
  Loaded out;
  for (const auto& spec : specs()) {
    VarReport r;
    r.name = spec.name;
    r.required = spec.required;
    r.secret = spec.secret;
    const auto it = env.find(spec.name);
    if (it == env.end() || it->second.empty()) {
      r.state = spec.required || spec.feature != nullptr ? VarState::missing : VarState::defaulted;
      if (spec.feature != nullptr) {
        r.detail = fmt::format("not set: {} switched off", spec.feature);
      }
    } else if (auto why = spec.check(it->second); !why.empty()) {
      r.state = VarState::malformed;
      r.detail = fmt::format("{} {}", spec.name, why);
      r.shown = spec.secret ? "(hidden)" : (spec.required ? mask_id(it->second) : it->second);
    } else {
      r.state = VarState::ok;
      spec.apply(out.config, it->second);
      r.shown = spec.secret ? fmt::format("(set, {} characters)", it->second.size())
                            : (spec.required ? mask_id(it->second) : it->second);
    }
    out.report.push_back(std::move(r));
  }
  if (out.config.db_path.empty()) {
    out.config.db_path = default_db_path(env);
  }
  for (auto& r : out.report) {
    if (r.state == VarState::defaulted) {
      if (r.name == "ZOOM_API_URL") {
        r.shown = out.config.api_url;
      } else if (r.name == "ZOOM_OAUTH_URL") {
        r.shown = out.config.oauth_url;
      } else if (r.name == "ZOOMCTL_DB") {
        r.shown = out.config.db_path;
      } else if (r.name == "ZOOMCTL_PUBLIC_URL") {
        r.shown = out.config.public_url;
      } else if (r.name == "ZOOMCTLD_LISTEN") {
        r.shown = out.config.listen;
      } else if (r.name == "ZOOMCTLD_THREADS") {
        r.shown = std::to_string(out.config.threads);
      } else if (r.name == "ZOOMCTL_ATTENDANCE_THRESHOLD") {
        r.shown = std::to_string(out.config.attendance_threshold);
      }
    }
  }
  return out;
}

Expected<void> validate(const Loaded& loaded, Need need)
{
  std::vector<std::string> problems;
  for (const auto& r : loaded.report) {
    if (r.state == VarState::malformed) {
      problems.push_back(r.detail);
    } else if (r.state == VarState::missing && need_of(r.name) != Need::none && has(need, need_of(r.name))) {
      problems.push_back(fmt::format("{} is not set", r.name));
    }
  }
  if (problems.empty()) {
    return {};
  }
  std::string msg =
      problems.size() == 1 ? "configuration problem:" : fmt::format("{} configuration problems:", problems.size());
  for (const auto& p : problems) {
    msg += "\n  - " + p;
  }
  msg += "\n(run 'zoomctl config check' for the full report)";
  return make_error(ErrorKind::config, msg);
}

const char* to_string(VarState state)
{
  switch (state) {
  case VarState::ok:
    return "ok";
  case VarState::missing:
    return "missing";
  case VarState::malformed:
    return "malformed";
  case VarState::defaulted:
    return "default";
  }
  return "?";
}

} // namespace zc::config
