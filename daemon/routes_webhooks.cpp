// POST /api/webhooks/zoom: Zoom's signed deliveries. The raw body and headers go
// to webhook_service, which verifies, stores and applies the event in one
// transaction; the answer is exactly what it says (200 only after the commit).
//
// Group commit: a durable commit costs an fsync, and commits serialise on
// SQLite's write lock, so handler threads hand their delivery to one writer
// thread, which ingests everything queued meanwhile with one commit
// (webhook_service::ingest_batch) and then wakes each handler with its answer.
// Under no load a batch is one event and this is plain `ingest`.

#include "daemon/app.hpp"

#include "core/services/webhook_service.hpp"
#include "core/webhook.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>
#include <vector>

namespace zc::daemon {

namespace {

constexpr std::size_t k_max_label = 64;
constexpr std::size_t k_max_batch = 256;

// A metrics label value: verified event names are Zoom's, but keep the series bounded anyway.
std::string label_value(const std::string& s, const char* fallback)
{
  std::string out;
  for (const char c : s) {
    if (out.size() >= k_max_label) {
      break;
    }
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out.push_back(plain ? c : '_');
  }
  return out.empty() ? std::string(fallback) : out;
}

// Hands deliveries from handler threads to one writer thread that commits them in batches.
class Batcher
{
public:
  Batcher(App& app, webhook_service::IngestConfig config) : m_app(app), m_config(std::move(config)) {}
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;
  Batcher(Batcher&&) = delete;
  Batcher& operator=(Batcher&&) = delete;

  ~Batcher()
  {
    {
      const std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_work.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

  // Ingests `body` with `headers` in the next batch and returns its answer once the batch is committed.
  webhook_service::IngestResult submit(const std::string& body, const webhook::Headers& headers)
  {
    Job job{body, &headers, std::nullopt};
    std::unique_lock lock(m_mutex);
    if (!m_thread.joinable()) {
      // Started on first use, from a request thread, so it inherits their blocked SIGTERM/SIGINT.
      m_thread = std::thread([this] { run(); });
    }
    m_queue.push_back(&job);
    m_work.notify_one();
    m_done.wait(lock, [&job] { return job.result.has_value(); });
    return std::move(*job.result);
  }

private:
  struct Job {
    std::string_view body;
    const webhook::Headers* headers;
    std::optional<webhook_service::IngestResult> result;
  };

  void run()
  {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::vector<Job*> batch;
    std::vector<webhook_service::Delivery> deliveries;
    while (true) {
      {
        std::unique_lock lock(m_mutex);
        m_work.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty()) {
          return;
        }
        const auto n = std::min(m_queue.size(), k_max_batch);
        batch.assign(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(n));
        m_queue.erase(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(n));
      }
      deliveries.clear();
      for (const auto* job : batch) {
        deliveries.push_back({job->body, job->headers});
      }
      std::vector<webhook_service::IngestResult> results;
      try {
        results = webhook_service::ingest_batch(m_app.db(), deliveries, m_config);
      } catch (const std::exception& ex) {
        // The connection could not even be opened: nothing was stored, Zoom retries.
        webhook_service::IngestResult err;
        err.http_status = 500;
        err.message = ex.what();
        err.body = nlohmann::json{{"error", "database_error"}, {"message", "the event could not be stored; retry"}};
        results.assign(batch.size(), err);
      }
      // Events per commit = zoomctld_webhook_events_total / zoomctld_webhook_batches_total.
      m_app.counters.add("zoomctld_webhook_batches_total", "");
      {
        const std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < batch.size(); ++i) {
          batch[i]->result = std::move(results[i]);
        }
      }
      m_done.notify_all();
    }
  }

  App& m_app;
  webhook_service::IngestConfig m_config;
  std::mutex m_mutex;
  std::condition_variable m_work;
  std::condition_variable m_done;
  std::vector<Job*> m_queue;
  bool m_stop = false;
  std::thread m_thread;
};

} // namespace

void add_webhook_routes(httplib::Server& server, App& app)
{
  webhook_service::IngestConfig cfg;
  cfg.secret = app.cfg().webhook_secret;
  auto batcher = std::make_shared<Batcher>(app, cfg);
  server.Post("/api/webhooks/zoom", [&app, batcher](const httplib::Request& req, httplib::Response& res) {
    if (feature_off(res, app.cfg().webhook_secret, "ZOOM_WEBHOOK_SECRET_TOKEN")) {
      app.counters.add("zoomctld_webhook_events_total", R"(event="unknown",outcome="switched_off")");
      return;
    }
    const auto headers = webhook::Headers::from(req.headers);
    const auto r = batcher->submit(req.body, headers);
    const auto outcome = std::string(webhook_service::to_string(r.outcome));
    app.counters.add("zoomctld_webhook_events_total",
                     fmt::format(R"(event="{}",outcome="{}")", label_value(r.event, "unverified"), outcome));
    if (r.outside_window) {
      // Signed correctly but far from this server's clock: accepted (see webhook::verify); a rising count means
      // the clock drifted or Zoom's retries carry their first timestamp.
      app.counters.add("zoomctld_webhook_outside_window_total", "");
    }
    if (r.outcome == webhook_service::Outcome::rejected) {
      app.counters.add("zoomctld_webhook_rejections_total",
                       fmt::format(R"(reason="{}")", webhook::to_string(r.rejection)));
    }
    send_json(res, r.http_status, r.body);
  });
}

} // namespace zc::daemon
