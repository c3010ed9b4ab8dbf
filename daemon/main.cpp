// zoomctld: Zoom webhooks in, Meeting SDK signatures out, a small JSON API and
// the static pages, on one port. Stops cleanly on SIGTERM and SIGINT.

#include "daemon/app.hpp"
#include "zoomctl_version.hpp"

#include "core/log.hpp"
#include "core/util/time.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace {

struct Options {
  std::string listen;
  std::string env_file;
  std::string db_path;
  std::string log_format = "text";
  std::string threads;
  int verbose = 0;
};

// Splits "ADDR:PORT"; false when malformed.
bool split_listen(const std::string& listen, std::string& host, int& port)
{
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto* b = listen.data() + colon + 1;
  const auto* e = listen.data() + listen.size();
  const auto [p, ec] = std::from_chars(b, e, port);
  return ec == std::errc{} && p == e && port > 0 && port < 65536;
}

int fail(const std::string& message, int code)
{
  std::cerr << "zoomctld: error: " << zc::log::redact(message) << '\n';
  return code;
}

thread_local std::chrono::steady_clock::time_point t_request_start;

int serve(const Options& opt)
{
  using namespace zc;
  auto env = config::process_environment();
  if (!opt.env_file.empty()) {
    std::vector<std::string> warnings;
    auto file = config::read_env_file(opt.env_file, warnings);
    if (!file) {
      return fail(file.error().message, 5);
    }
    for (const auto& w : warnings) {
      std::cerr << "zoomctld: " << w << '\n';
    }
    env = config::merge(*file, env);
  }
  if (!opt.db_path.empty()) {
    env["ZOOMCTL_DB"] = opt.db_path;
  }
  if (!opt.listen.empty()) {
    env["ZOOMCTLD_LISTEN"] = opt.listen;
  }
  if (!opt.threads.empty()) {
    env["ZOOMCTLD_THREADS"] = opt.threads;
  }

  daemon::App app;
  app.loaded = config::load(env);
  // Malformed values refuse the start; a missing optional value switches off its feature.
  if (auto ok = config::validate(app.loaded, config::Need::none); !ok) {
    return fail(ok.error().message, 5);
  }
  const auto& cfg = app.cfg();
  for (const auto* s : {&cfg.client_secret, &cfg.sdk_secret, &cfg.webhook_secret, &cfg.api_token, &cfg.link_secret}) {
    log::add_secret(*s);
  }
  for (const auto& r : app.loaded.report) {
    if (r.state == config::VarState::missing) {
      log::warn("zoomctld", "{}", r.detail.empty() ? r.name + " not set" : r.name + " " + r.detail);
    }
  }

  {
    auto database = db::Database::open(cfg.db_path, db::Migrate::yes);
    if (!database) {
      return fail(database.error().message, 8);
    }
    log::info("zoomctld", "database {} at schema version {}", cfg.db_path, database->status().version);
  }

  std::string host;
  int port = 0;
  if (!split_listen(cfg.listen, host, port)) {
    return fail(fmt::format("cannot use listen address '{}': expected ADDRESS:PORT", cfg.listen), 2);
  }

  httplib::Server server;
  // cpp-httplib's default pool is max(8, cores - 1) threads, and a keep-alive connection holds its
  // thread while open: Zoom's concurrent deliveries, the pages' polling and the API would queue
  // behind eight connections. Webhook deliveries on more threads also share more of each commit.
  const auto threads = static_cast<std::size_t>(cfg.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second
  // daemon bind the same port silently instead of refusing to start. The listening socket
  // is kept to widen its accept queue once bound (below).
  socket_t listen_sock = INVALID_SOCKET;
  server.set_socket_options([&listen_sock](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_sock = sock;
  });
  server.set_payload_max_length(std::size_t{1024} * 1024);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_max_count(1000);
  // Without TCP_NODELAY a keep-alive answer written in two parts waits for the peer's delayed ACK (~40 ms).
  server.set_tcp_nodelay(true);
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_logger([&app](const httplib::Request& req, const httplib::Response& res) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t_request_start)
            .count();
    const std::string route = req.matches.empty() ? req.path : req.matches[0].str();
    app.counters.add("zoomctld_http_requests_total",
                     fmt::format("method=\"{}\",status=\"{}\"", req.method, res.status));
    nlohmann::json fields = {{"method", req.method},      {"path", req.path},
                             {"status", res.status},      {"duration_ms", static_cast<double>(us) / 1000.0},
                             {"remote", req.remote_addr}, {"bytes", res.body.size()}};
    log::write_fields(log::Level::info, "http", fmt::format("{} {} {}", req.method, route, res.status), fields.dump());
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(std::move(ep));
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) { // NOLINT(bugprone-empty-catch)
    }
    log::error("http", "handler failed: {}", what);
    daemon::send_error(res, 500, "internal error; see the daemon's log");
  });

  daemon::add_health_routes(server, app);
  daemon::add_session_routes(server, app);
  daemon::add_webhook_routes(server, app);
  daemon::add_attendance_routes(server, app);
  daemon::add_join_routes(server, app);

  if (!server.bind_to_port(host, port)) {
    return fail(fmt::format("cannot listen on {}: the address is in use or not available", cfg.listen), 1);
  }
  // cpp-httplib listens with a backlog of 5: a burst of new connections (Zoom's concurrent
  // deliveries, a class polling its pages) on a busy machine overflows that queue, and the kernel
  // drops SYNs (retried after 1 s, 3 s...) or answers with SYN cookies. listen() on the bound
  // socket again only sets a longer queue.
  if (listen_sock != INVALID_SOCKET && ::listen(listen_sock, SOMAXCONN) != 0) {
    log::warn("zoomctld", "cannot lengthen the listen queue: {}", std::strerror(errno));
  }

  // Signals are blocked in every thread and taken by one waiting thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread waiter([&server, set]() {
    int sig = 0;
    sigwait(&set, &sig);
    log::info("zoomctld", "signal {} received, stopping", sig);
    server.stop();
  });

  log::info("zoomctld", "zoomctld {} listening on http://{}", ZOOMCTL_VERSION, cfg.listen);
  std::cerr << fmt::format("zoomctld: listening on http://{}\n", cfg.listen);
  server.listen_after_bind();
  if (waiter.joinable()) {
    // The listen loop can end without a signal (a fatal socket error): wake the waiter.
    ::kill(::getpid(), SIGTERM);
    waiter.join();
  }
  log::info("zoomctld", "stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"zoomctld: Zoom webhooks, Meeting SDK signatures, the session API and the join pages", "zoomctld"};
  app.set_version_flag("--version", std::string("zoomctld ") + ZOOMCTL_VERSION);
  Options opt;
  app.add_option("--listen", opt.listen, "ADDRESS:PORT to serve on (env ZOOMCTLD_LISTEN; default 127.0.0.1:3000)");
  app.add_option("--env-file", opt.env_file, "Read settings from this dotenv file (the environment wins)");
  app.add_option("--db", opt.db_path, "Database file (env ZOOMCTL_DB)");
  app.add_option("--threads", opt.threads,
                 "Request threads, 2-1024 (env ZOOMCTLD_THREADS; default 64); each open keep-alive "
                 "connection holds one");
  app.add_option("--log-format", opt.log_format, "text or json (one JSON object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-v,--verbose", opt.verbose, "Log each request (-vv for debug)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);
    }
    std::cerr << "zoomctld: error: " << e.what() << "\n(run 'zoomctld --help')\n";
    return 2;
  }
  zc::log::set_format(opt.log_format == "json" ? zc::log::Format::json : zc::log::Format::text);
  // The daemon logs one line per request by default; -v adds debug detail.
  zc::log::set_level(opt.verbose >= 1 ? zc::log::Level::debug : zc::log::Level::info);
  try {
    return serve(opt);
  } catch (const zc::Fatal& f) {
    return fail(f.error().message, 1);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 70);
  }
}
