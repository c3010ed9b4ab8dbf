// zoomsim: a stateful Zoom emulator on loopback for tests, demos and benchmarks.
// Parses the command line, wires the parts together and serves until SIGINT/SIGTERM.

#include "http_util.hpp"
#include "sim.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace {

// Splits HOST:PORT (or [V6]:PORT, or PORT); only loopback hosts are accepted.
bool parse_listen(const std::string& text, zs::Options& o, std::string& error)
{
  static const std::regex re(R"(^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    error = "--listen must be HOST:PORT, e.g. 127.0.0.1:9901";
    return false;
  }
  std::string host = m[1].matched ? m[1].str() : "127.0.0.1";
  if (host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  if (host != "::1" && host.rfind("127.", 0) != 0) {
    error = "--listen: zoomsim binds only loopback addresses (127.0.0.0/8, ::1, localhost), not " + host;
    return false;
  }
  int port = std::stoi(m[2].str());
  if (port < 1 || port > 65535) {
    error = "--listen: port must be 1-65535";
    return false;
  }
  o.host = host;
  o.port = port;
  return true;
}

} // namespace

int main(int argc, char** argv)
{
  zs::Options o;
  std::string listen = "127.0.0.1:9901";
  std::string delay_ms;
  CLI::App app{"zoomsim: a stateful Zoom emulator (OAuth, REST /v2, webhooks, faults, scenario replay) for tests, "
               "demos and benchmarks. Binds loopback only. Control endpoints live under /sim/ (see sim/README.md)."};
  app.footer(R"(Zoom routes: POST /oauth/token; /v2/users[/{id}[/token|/meetings]], /v2/meetings/{id},
  /v2/past_meetings/{uuid}/participants, /v2/report/meetings/{id}/participants.
Control routes (JSON):
  GET  /sim/state | /sim/requests?since=&limit=&prefix= | /sim/faults | /sim/scenario
  POST /sim/reset | /sim/faults {rate_429,rate_5xx,latency_ms,drop_rate,
       drop_after_rate,retry_after,enforce_qps}
  POST /sim/tokens/revoke | /sim/users/{id}/activate
  POST /sim/meetings/{id}/start|end {at?} | join {name,email,customer_key,zoom_user_id?,at?}
       | leave {participant_uuid,at?,reason?}
  GET|POST /sim/webhook-url {url} | /sim/webhooks/config {duplicate_rate,delay_ms,reorder,workers,speed}
  GET  /sim/webhooks?event=&since=&limit= | /sim/webhooks/pending;  POST /sim/webhooks/validate
  POST /sim/scenario[?meeting_id=&speed=] (body: scenario JSON)
Full reference: sim/README.md.)");
  app.add_option("--listen", listen, "Loopback address to serve on, HOST:PORT")->capture_default_str();
  app.add_option("--account-id", o.account_id, "Account id the token grant must name")
      ->envname("ZOOM_ACCOUNT_ID")
      ->capture_default_str();
  app.add_option("--client-id", o.client_id, "S2S OAuth client id")->envname("ZOOM_CLIENT_ID")->capture_default_str();
  app.add_option("--client-secret", o.client_secret, "S2S OAuth client secret (default: a fixed test value)")
      ->envname("ZOOM_CLIENT_SECRET");
  app.add_option("--webhook-secret", o.webhook_secret, "Webhook secret token that signs deliveries (default: fixed)")
      ->envname("ZOOM_WEBHOOK_SECRET_TOKEN");
  app.add_option("--webhook-url", o.webhook_url, "Where webhooks are delivered (also POST /sim/webhook-url)");
  app.add_option("--licenses", o.licenses, "Paid (type 2) licences in the account")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  app.add_option("--speed", o.speed,
                 "Time acceleration for webhook retry intervals (+5/+20/+60 min) and scenario replay")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fault-rate-429", o.faults.rate_429, "Share of /v2 requests answered 429 (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--fault-rate-5xx", o.faults.rate_5xx, "Share of /v2 requests answered 500 or 503 (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--latency-ms", o.faults.latency_ms, "Delay added to every /v2 answer")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--drop-rate", o.faults.drop_rate, "Share of /v2 connections closed without an answer (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--drop-after-rate", o.faults.drop_after_rate,
                 "Share of /v2 requests carried out and then closed without an answer (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--retry-after", o.faults.retry_after, "Retry-After of injected 429s: seconds or a date")
      ->capture_default_str();
  app.add_flag("--enforce-rate-limits", o.faults.enforce_qps,
               "Answer 429 (Retry-After: 1) beyond the Pro per-second limit of each rate label (30/20/10 per s)");
  app.add_option("--token-ttl", o.token_ttl, "Access token lifetime in seconds (expires_in)")
      ->check(CLI::Range(1L, 86400L * 365))
      ->capture_default_str();
  app.add_option("--daily-meeting-limit", o.daily_meeting_limit, "Meeting create/update requests per host per UTC day")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the random choices (ids, uuids, faults, delivery options)")
      ->capture_default_str();
  app.add_option("--scenario", o.scenario_file, "Scenario file to replay once the server is up")
      ->check(CLI::ExistingFile);
  app.add_option("--duplicate-rate", o.delivery.duplicate_rate, "Share of webhook deliveries sent twice (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--delay-ms", delay_ms, "Extra delay before a delivery's first attempt: MS or MIN,MAX");
  app.add_option("--reorder", o.delivery.reorder_window, "Hold this many webhook events and send them shuffled")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--webhook-workers", o.delivery.workers, "Concurrent webhook deliveries (1 keeps the order)")
      ->check(CLI::Range(1, 8))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "HTTP server threads")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_flag("-v,--verbose", o.verbose, "Log one line per request to stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::string error;
  if (!parse_listen(listen, o, error)) {
    std::cerr << "zoomsim: " << error << "\n";
    return 2;
  }
  if (!delay_ms.empty()) {
    static const std::regex re(R"(^(\d{1,7})(?:,(\d{1,7}))?$)");
    std::smatch m;
    if (!std::regex_match(delay_ms, m, re)) {
      std::cerr << "zoomsim: --delay-ms must be MS or MIN,MAX\n";
      return 2;
    }
    o.delivery.delay_min_ms = std::stoi(m[1].str());
    o.delivery.delay_max_ms = m[2].matched ? std::stoi(m[2].str()) : o.delivery.delay_min_ms;
    if (o.delivery.delay_max_ms < o.delivery.delay_min_ms) {
      std::cerr << "zoomsim: --delay-ms MIN,MAX needs MIN <= MAX\n";
      return 2;
    }
  }
  if (o.faults.rate_429 + o.faults.rate_5xx > 1.0) {
    std::cerr << "zoomsim: --fault-rate-429 plus --fault-rate-5xx must not exceed 1\n";
    return 2;
  }
  zs::Json scenario;
  if (!o.scenario_file.empty()) {
    std::ifstream in(o.scenario_file);
    std::stringstream ss;
    ss << in.rdbuf();
    scenario = zs::Json::parse(ss.str(), nullptr, false);
    if (scenario.is_discarded() || !scenario.is_object()) {
      std::cerr << "zoomsim: --scenario " << o.scenario_file << " is not a JSON object\n";
      return 2;
    }
  }

  // Signals are taken by one thread with sigwait; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  zs::Sim sim(o);
  httplib::Server server;
  const int threads = o.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true); // headers and body go in separate writes: avoid Nagle's 40 ms stalls
  // httplib's default adds SO_REUSEPORT, which lets a second emulator bind the
  // same port and steal half the traffic; one owner per port is what tests need.
  // The listening socket is kept to widen its accept queue once bound (below).
  socket_t listen_sock = INVALID_SOCKET;
  server.set_socket_options([&listen_sock](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_sock = sock;
  });
  zs::install_common_handlers(server, sim);
  zs::install_zoom_routes(server, sim);
  zs::install_control_routes(server, sim);

  if (!server.bind_to_port(o.host, o.port)) {
    std::cerr << fmt::format("zoomsim: cannot listen on {}:{}\n", o.host, o.port);
    return 1;
  }
  // cpp-httplib listens with a backlog of 5, which a burst of clients on a loaded machine
  // overflows (SYNs dropped and retried a second later, or SYN cookies); listen() on the
  // bound socket again only sets a longer queue.
  if (listen_sock != INVALID_SOCKET && ::listen(listen_sock, SOMAXCONN) != 0) {
    std::cerr << fmt::format("zoomsim: cannot lengthen the listen queue: {}\n", std::strerror(errno));
  }
  sim.sender.start();
  std::atomic<bool> stopping{false};
  const int port = o.port;
  std::thread signal_thread([&server, &stopping, signals, port] {
    int sig = 0;
    sigwait(&signals, &sig);
    stopping = true;
    server.stop();
    zs::close_connections(port);
  });
  std::cerr << fmt::format("zoomsim: listening on {} (account {}, {} licences, speed {}, seed {}, webhooks to {})\n",
                           o.base_url(), o.account_id, o.licenses, o.speed, o.seed,
                           o.webhook_url.empty() ? "(none)" : o.webhook_url);
  std::thread scenario_thread;
  if (!scenario.is_null()) {
    scenario_thread = std::thread([&sim, &scenario] {
      // Wait until the server answers before the first event.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      zs::Reply r = sim.scenario.start(scenario);
      std::cerr << "zoomsim: scenario: " << zs::dump_compact(r.body) << "\n";
    });
  }
  server.listen_after_bind();
  if (scenario_thread.joinable()) {
    scenario_thread.join();
  }
  sim.scenario.stop();
  sim.sender.stop();
  // Wake the signal thread if the server stopped for another reason.
  if (!stopping) {
    ::kill(::getpid(), SIGTERM); // blocked in every thread: only the signal thread takes it
  }
  signal_thread.join();
  return 0;
}
