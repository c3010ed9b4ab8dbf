// A small generic HTTP/1.1 keep-alive load generator for the benchmarks
// (bench/signature_throughput.py, bench/attendance_report.py): replays the
// requests of a file over N keep-alive connections to 127.0.0.1 and reports
// throughput and latency as one JSON line. Standard library, POSIX sockets and
// OpenSSL's HMAC only; built by the scripts with the system C++ compiler.
//
//   http_load --port P --requests FILE [--connections 8] [--count N] [--seconds 30]
//       [--zoom-webhook-secret-env VAR] [--responses FILE --keep-responses K]
//
// FILE holds records, each:
//   METHOD SP PATH SP BODY_LENGTH SP HEADER_COUNT LF
//   HEADER_COUNT lines "Name: value" LF
//   BODY_LENGTH bytes of body, then LF
// Requests are taken in file order from a shared counter (record i % records),
// --count of them (default: every record once), until --seconds have passed.
// With --zoom-webhook-secret-env, each request is signed at send time as Zoom
// signs webhooks (x-zm-request-timestamp, x-zm-signature = v0=HMAC-SHA256 of
// "v0:{ts}:{body}") with the secret read from that environment variable.
// With --responses, the bodies of the first K 2xx responses are written to
// FILE, one per line (the servers measured answer single-line JSON).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
  int port = 0;
  int connections = 8;
  long count = -1;
  double seconds = 30;
  std::string requests;
  std::string secret_env;
  std::string responses;
  long keep_responses = 0;
};

struct Record {
  std::string method;
  std::string path;
  std::vector<std::string> headers;
  std::string body;
  std::string raw; // the whole request when it needs no per-send signature
};

std::string hmac_hex(const std::string& key, const std::string& msg)
{
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out, &len);
  static const char* k_hex = "0123456789abcdef";
  std::string s;
  for (unsigned int i = 0; i < len; ++i) {
    s.push_back(k_hex[out[i] >> 4U]);
    s.push_back(k_hex[out[i] & 0xFU]);
  }
  return s;
}

std::string build_request(const Record& r, const std::string& extra_headers)
{
  std::string req = r.method + " " + r.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& h : r.headers) {
    req += h + "\r\n";
  }
  req += extra_headers;
  req += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
  return req;
}

bool read_records(const std::string& file, std::vector<Record>& out)
{
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    std::istringstream head(line);
    Record r;
    std::size_t body_length = 0;
    int header_count = 0;
    if (!(head >> r.method >> r.path >> body_length >> header_count)) {
      return false;
    }
    for (int i = 0; i < header_count; ++i) {
      if (!std::getline(in, line)) {
        return false;
      }
      r.headers.push_back(line);
    }
    r.body.resize(body_length);
    if (body_length > 0 && !in.read(r.body.data(), static_cast<std::streamsize>(body_length))) {
      return false;
    }
    in.ignore(1); // the LF after the body
    out.push_back(std::move(r));
  }
  return !out.empty();
}

int connect_to(int port)
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& s)
{
  std::size_t done = 0;
  while (done < s.size()) {
    const auto n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one HTTP response (Content-Length framed); returns the status (0 on failure),
// whether the server closes, and the body in `body`.
int read_response(int fd, std::string& buf, std::string& body, bool& closing)
{
  buf.clear();
  char tmp[8192];
  std::size_t header_end = std::string::npos;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    const auto n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      return 0;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  std::string head = buf.substr(0, header_end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
  std::size_t length = 0;
  if (const auto p = head.find("content-length:"); p != std::string::npos) {
    length = std::strtoul(head.c_str() + p + 15, nullptr, 10);
  }
  closing = head.find("connection: close") != std::string::npos;
  while (buf.size() < header_end + 4 + length) {
    const auto n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      return 0;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  body.assign(buf, header_end + 4, length);
  return std::atoi(buf.c_str() + 9);
}

std::string json_escape(const std::string& s)
{
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

} // namespace

int main(int argc, char** argv)
{
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--port") {
      o.port = std::atoi(v.c_str());
    } else if (k == "--connections") {
      o.connections = std::atoi(v.c_str());
    } else if (k == "--count") {
      o.count = std::atol(v.c_str());
    } else if (k == "--seconds") {
      o.seconds = std::atof(v.c_str());
    } else if (k == "--requests") {
      o.requests = v;
    } else if (k == "--zoom-webhook-secret-env") {
      o.secret_env = v;
    } else if (k == "--responses") {
      o.responses = v;
    } else if (k == "--keep-responses") {
      o.keep_responses = std::atol(v.c_str());
    } else {
      std::fprintf(stderr, "http_load: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::vector<Record> records;
  if (o.port <= 0 || o.connections <= 0 || o.requests.empty() || !read_records(o.requests, records)) {
    std::fprintf(stderr, "http_load: need --port, --connections > 0 and a readable --requests file\n");
    return 2;
  }
  std::string secret;
  if (!o.secret_env.empty()) {
    const char* s = std::getenv(o.secret_env.c_str());
    if (s == nullptr || *s == '\0') {
      std::fprintf(stderr, "http_load: %s is not set\n", o.secret_env.c_str());
      return 2;
    }
    secret = s;
  } else {
    for (auto& r : records) {
      r.raw = build_request(r, "");
    }
  }
  const long count = o.count < 0 ? static_cast<long>(records.size()) : o.count;
  std::atomic<long> next{0};
  std::atomic<long> ok{0};
  std::atomic<long> non2xx{0};
  std::atomic<long> errors{0};
  std::mutex out_mutex;
  std::atomic<long> kept_count{0};
  std::atomic<bool> have_non2xx{false};
  std::map<int, long> statuses;
  std::string first_non2xx;
  std::vector<std::string> kept;
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(o.connections));
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(o.seconds);

  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(o.connections));
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c]() {
      int fd = -1;
      std::string buf;
      std::string body;
      std::map<int, long> mine;
      long n = 0;
      while (std::chrono::steady_clock::now() < deadline && (n = next.fetch_add(1)) < count) {
        if (fd < 0 && (fd = connect_to(o.port)) < 0) {
          errors.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        const Record& r = records[static_cast<std::size_t>(n) % records.size()];
        std::string signed_req;
        if (!secret.empty()) {
          const std::string ts = std::to_string(std::time(nullptr));
          signed_req = build_request(r, "x-zm-request-timestamp: " + ts + "\r\nx-zm-signature: v0=" +
                                            hmac_hex(secret, "v0:" + ts + ":" + r.body) + "\r\n");
        }
        const std::string& req = secret.empty() ? r.raw : signed_req;
        const auto s0 = std::chrono::steady_clock::now();
        bool closing = false;
        const int status = send_all(fd, req) ? read_response(fd, buf, body, closing) : 0;
        const auto s1 = std::chrono::steady_clock::now();
        if (status == 0) {
          errors.fetch_add(1);
          ::close(fd);
          fd = -1;
          continue;
        }
        lat[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::milli>(s1 - s0).count());
        ++mine[status];
        const bool good = status >= 200 && status < 300;
        (good ? ok : non2xx).fetch_add(1);
        if ((good && kept_count.load() < o.keep_responses) || (!good && !have_non2xx.load())) {
          const std::lock_guard lock(out_mutex);
          if (good && static_cast<long>(kept.size()) < o.keep_responses) {
            kept.push_back(body);
            kept_count.store(static_cast<long>(kept.size()));
          } else if (!good && first_non2xx.empty()) {
            first_non2xx = std::to_string(status) + " " + body.substr(0, 300);
            have_non2xx.store(true);
          }
        }
        if (closing) {
          ::close(fd);
          fd = -1;
        }
      }
      if (fd >= 0) {
        ::close(fd);
      }
      const std::lock_guard lock(out_mutex);
      for (const auto& [st, k] : mine) {
        statuses[st] += k;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.responses.empty()) {
    std::ofstream out(o.responses, std::ios::binary);
    for (const auto& b : kept) {
      out << b << '\n';
    }
  }
  std::vector<double> all;
  for (const auto& v : lat) {
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) {
      return 0.0;
    }
    const auto i = static_cast<std::size_t>(p * static_cast<double>(all.size() - 1));
    return all[i];
  };
  std::string status_json;
  for (const auto& [st, k] : statuses) {
    status_json += (status_json.empty() ? "\"" : ", \"") + std::to_string(st) + "\": " + std::to_string(k);
  }
  std::printf(
      "{\"ok\": %ld, \"non2xx\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"rate\": %.1f, \"p50_ms\": %.3f, "
      "\"p99_ms\": %.3f, \"max_ms\": %.3f, \"connections\": %d, \"statuses\": {%s}, \"first_non2xx\": \"%s\"}\n",
      ok.load(), non2xx.load(), errors.load(), elapsed, static_cast<double>(ok.load()) / elapsed, pct(0.50), pct(0.99),
      all.empty() ? 0.0 : all.back(), o.connections, status_json.c_str(), json_escape(first_non2xx).c_str());
  return 0;
}
