// The pages' API and the pages themselves (issue 6):
//   POST /api/signature       a Meeting SDK signature for the bearer of an access link
//   GET  /api/me              who the access link names
//   GET  /api/me/sessions     their sessions with can_start / can_join and the server's "now"
//   GET  /api/sessions/{id}   one of their sessions
//   GET  /instructor/sessions, /session/{id}/join, /my-courses, /instructor/sessions/{id}/attendance
//                             the pages (web/dist/<page>.html), and /assets/* (static files)
// API routes trust only `Authorization: Bearer <access-link token>`: no cookies, no query token.
//
// Web root: env ZOOMCTL_WEB_ROOT; else <dir of zoomctld>/../share/zoomctl/web when it exists
// (an installed daemon); else <source dir>/web/dist as it was when zoomctld was built.
//
// Test hook: with ZOOMCTL_TEST_MODE=1, ZOOMCTL_FAKE_NOW=ISO8601 fixes the daemon's clock
// (zc::set_clock) so that tests control the 15-minute rule; ignored (with a warning) otherwise.

#include "daemon/app.hpp"

#include "core/log.hpp"
#include "core/services/join_service.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace zc::daemon {

namespace {

namespace fs = std::filesystem;

// Cross-origin isolation (the Web SDK needs SharedArrayBuffer) and a CSP that allows our own
// origin plus what the Meeting SDK reaches at Zoom. The SDK's assets are served by us
// (/assets/zoom-sdk/...); it injects styles and compiles WebAssembly, and its media and
// signalling go to *.zoom.us (HTTPS and WebSocket).
constexpr const char* k_csp = "default-src 'self'; "
                              "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' https://source.zoom.us; "
                              "style-src 'self' 'unsafe-inline' https://source.zoom.us; "
                              "img-src 'self' data: blob: https://zoom.us https://*.zoom.us; "
                              "font-src 'self' data: https://source.zoom.us; "
                              "media-src 'self' blob: mediastream: https://zoom.us https://*.zoom.us; "
                              "connect-src 'self' https://zoom.us wss://zoom.us https://*.zoom.us wss://*.zoom.us; "
                              "worker-src 'self' blob:; "
                              "frame-src https://zoom.us https://*.zoom.us; "
                              "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const char* k_long_cache = "public, max-age=31536000, immutable";

void security_headers(httplib::Response& res)
{
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
  res.set_header("Cross-Origin-Embedder-Policy", "require-corp");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
  res.set_header("Content-Security-Policy", k_csp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer"); // page URLs carry the access token
  res.set_header("X-Frame-Options", "DENY");
}

fs::path executable_dir()
{
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

fs::path web_root()
{
  if (const char* env = std::getenv("ZOOMCTL_WEB_ROOT"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  if (const auto dir = executable_dir(); !dir.empty()) {
    const auto installed = dir / ".." / "share" / "zoomctl" / "web";
    if (fs::is_directory(installed, ec)) {
      return fs::weakly_canonical(installed, ec);
    }
  }
  // This file's path as the compiler saw it: <source dir>/daemon/routes_join.cpp.
  return fs::path(__FILE__).parent_path().parent_path() / "web" / "dist";
}

std::string content_type(const fs::path& p)
{
  static const std::array<std::pair<const char*, const char*>, 20> k_types = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".mp3", "audio/mpeg"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  const auto ext = p.extension().string();
  for (const auto& [e, t] : k_types) {
    if (ext == e) {
      return t;
    }
  }
  return "application/octet-stream";
}

bool read_file(const fs::path& p, std::string& out)
{
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

// A relative asset path is safe when every segment is a plain name: no "..", ".", empty
// segments, backslashes, NULs or a leading slash (the path is already percent-decoded).
bool safe_relative(const std::string& rel)
{
  if (rel.empty() || rel.front() == '/' || rel.find('\\') != std::string::npos || rel.find('\0') != std::string::npos) {
    return false;
  }
  std::size_t start = 0;
  while (start <= rel.size()) {
    const auto slash = rel.find('/', start);
    const auto seg = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return false;
    }
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
}

// Whether `p` (inside `root`) really lies inside it once symlinks are resolved.
bool inside(const fs::path& root, const fs::path& p)
{
  std::error_code ec;
  const auto r = fs::weakly_canonical(root, ec);
  if (ec) {
    return false;
  }
  const auto c = fs::weakly_canonical(p, ec);
  if (ec) {
    return false;
  }
  const auto rs = r.string() + "/";
  return c.string().compare(0, rs.size(), rs) == 0;
}

// Build tools name immutable files with a content hash (name-B_hcNEY-.js); the SDK's
// files live under a version directory. Both can be cached for a year.
bool immutable_asset(const std::string& rel)
{
  static const std::regex k_hashed(R"((^|/)[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$)");
  return rel.starts_with("zoom-sdk/") || std::regex_search(rel, k_hashed);
}

void serve_page(const fs::path& root, const char* page, httplib::Response& res)
{
  security_headers(res);
  res.set_header("Cache-Control", "no-cache");
  std::string body;
  if (read_file(root / (std::string(page) + ".html"), body) || read_file(root / "index.html", body)) {
    res.status = 200;
    res.set_content(body, "text/html; charset=utf-8");
    return;
  }
  log::error("pages", "{}.html not found under {}", page, root.string());
  res.status = 503;
  res.set_content(fmt::format("The page '{}' is not available: the web pages are not built or ZOOMCTL_WEB_ROOT "
                              "points elsewhere (build them with 'npm run build' in web/).\n",
                              page),
                  "text/plain; charset=utf-8");
}

void serve_asset(const fs::path& root, const std::string& rel, httplib::Response& res)
{
  const auto not_found = [&res]() {
    res.status = 404;
    res.set_content("not found\n", "text/plain; charset=utf-8");
  };
  if (!safe_relative(rel)) {
    not_found();
    return;
  }
  const auto path = root / "assets" / rel;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || !inside(root, path)) {
    not_found();
    return;
  }
  std::string body;
  if (!read_file(path, body)) {
    not_found();
    return;
  }
  security_headers(res);
  res.set_header("Cache-Control", immutable_asset(rel) ? k_long_cache : "no-cache");
  res.status = 200;
  // A content provider with a known length is sent as is: cpp-httplib would otherwise
  // brotli-compress every text asset on each request, which takes seconds for the
  // SDK's 3 MB bundle. A reverse proxy in front may compress and cache instead.
  auto shared = std::make_shared<std::string>(std::move(body));
  res.set_content_provider(shared->size(), content_type(path),
                           [shared](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             const auto n = std::min(length, shared->size() - offset);
                             return sink.write(shared->data() + offset, n);
                           });
}

// Answers 401 (or 503 when links are switched off) and returns nothing unless the request
// carries a valid access-link token.
std::optional<services::Viewer> viewer_of(const App& app, const httplib::Request& req, httplib::Response& res)
{
  if (feature_off(res, app.cfg().link_secret, "ZOOMCTL_LINK_SECRET")) {
    return std::nullopt;
  }
  auto v = services::authenticate(app.db(), app.cfg().link_secret, bearer_token(req), now());
  if (!v) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, 401, {{"error", v.error().message}, {"action", "ask for a new link"}});
    return std::nullopt;
  }
  return std::move(*v);
}

std::optional<std::int64_t> parse_id(const std::string& s)
{
  std::int64_t v = 0;
  const auto* e = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), e, v);
  if (s.empty() || ec != std::errc{} || p != e || v <= 0) {
    return std::nullopt;
  }
  return v;
}

void install_fake_clock()
{
  const char* fake = std::getenv("ZOOMCTL_FAKE_NOW");
  if (fake == nullptr || *fake == '\0') {
    return;
  }
  const char* mode = std::getenv("ZOOMCTL_TEST_MODE");
  if (mode == nullptr || std::string_view(mode) != "1") {
    log::warn("zoomctld", "ZOOMCTL_FAKE_NOW ignored: it is a test hook honoured only with ZOOMCTL_TEST_MODE=1");
    return;
  }
  const auto t = parse_iso8601(fake);
  if (!t) {
    throw Fatal(
        make_error(ErrorKind::config, fmt::format("ZOOMCTL_FAKE_NOW '{}' is not an ISO 8601 time with a zone", fake)));
  }
  const Seconds fixed = *t;
  set_clock([fixed]() { return fixed; });
  log::warn("zoomctld", "test mode: the clock is fixed at {} (ZOOMCTL_FAKE_NOW)", format_iso8601(fixed));
}

} // namespace

void add_join_routes(httplib::Server& server, App& app)
{
  install_fake_clock();

  server.Post("/api/signature", [&app](const httplib::Request& req, httplib::Response& res) {
    if (app.cfg().sdk_key.empty() || app.cfg().sdk_secret.empty()) {
      const char* var = app.cfg().sdk_key.empty() ? "ZOOM_SDK_KEY" : "ZOOM_SDK_SECRET";
      send_json(res, 503,
                {{"error", "this endpoint is switched off: ZOOM_SDK_KEY and ZOOM_SDK_SECRET must be set on the server"},
                 {"variable", var}});
      return;
    }
    const auto viewer = viewer_of(app, req, res);
    if (!viewer) {
      return;
    }
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      send_json(res, 400,
                services::to_json(std::vector<services::FieldError>{
                    {"body", "must be a JSON object {meetingNumber | sessionId, role}"}}));
      return;
    }
    const auto parsed = services::parse_signature_request(body);
    if (!parsed.errors.empty()) {
      send_json(res, 400, services::to_json(parsed.errors));
      return;
    }
    const auto grant = services::grant_signature(app.db(), app.cfg(), *viewer, parsed.request, now());
    if (!grant) {
      send_error(res, grant.error());
      return;
    }
    app.counters.add("zoomctld_signatures_total", fmt::format("role=\"{}\"", static_cast<int>(grant->signature.role)));
    res.set_header("Cache-Control", "no-store");
    send_json(res, 200, services::to_json(*grant));
  });

  server.Get("/api/me", [&app](const httplib::Request& req, httplib::Response& res) {
    const auto viewer = viewer_of(app, req, res);
    if (!viewer) {
      return;
    }
    res.set_header("Cache-Control", "no-store");
    send_json(res, 200, services::to_json(*viewer));
  });

  server.Get("/api/me/sessions", [&app](const httplib::Request& req, httplib::Response& res) {
    const auto viewer = viewer_of(app, req, res);
    if (!viewer) {
      return;
    }
    const auto t = now();
    res.set_header("Cache-Control", "no-store");
    send_json(res, 200, services::my_sessions_json(*viewer, services::my_sessions(app.db(), app.cfg(), *viewer, t), t));
  });

  server.Get(R"(/api/sessions/([^/]+))", [&app](const httplib::Request& req, httplib::Response& res) {
    const auto viewer = viewer_of(app, req, res);
    if (!viewer) {
      return;
    }
    const auto id = parse_id(req.matches[1].str());
    if (!id) {
      send_error(res, 400, fmt::format("session id must be a positive integer, not '{}'", req.matches[1].str()));
      return;
    }
    const auto card = services::session_for(app.db(), app.cfg(), *viewer, *id, now());
    if (!card) {
      send_error(res, card.error());
      return;
    }
    res.set_header("Cache-Control", "no-store");
    send_json(res, 200, services::to_json(*card));
  });

  const auto root = web_root();
  std::error_code ec;
  if (fs::is_directory(root, ec)) {
    log::info("zoomctld", "serving the pages from {}", root.string());
  } else {
    log::warn("zoomctld", "web root {} does not exist: the pages answer 503 (set ZOOMCTL_WEB_ROOT)", root.string());
  }
  const auto page = [&server, root](const char* pattern, const char* file) {
    server.Get(pattern, [root, file](const httplib::Request&, httplib::Response& res) { serve_page(root, file, res); });
  };
  page("/instructor/sessions", "instructor-sessions");
  page(R"(/session/(\d{1,18})/join)", "join");
  page("/my-courses", "my-courses");
  page(R"(/instructor/sessions/(\d{1,18})/attendance)", "attendance");
  server.Get(R"(/assets/(.+))", [root](const httplib::Request& req, httplib::Response& res) {
    serve_asset(root, req.matches[1].str(), res);
  });
}

} // namespace zc::daemon
