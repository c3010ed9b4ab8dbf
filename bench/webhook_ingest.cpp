// Load generator of bench/webhook_ingest: sends signed Zoom participant events
// (meeting.participant_joined / _left, each with its own participant, so every
// one is a new event) over N keep-alive connections to 127.0.0.1 and reports
// throughput and latency as one JSON line. Standard library, POSIX sockets and
// OpenSSL's HMAC only; built by webhook_ingest.py.
//
//   ZOOM_WEBHOOK_SECRET_TOKEN=... webhook_ingest_load --port P --connections 8 --count 20000 --seconds 30
//       --meeting-id 81234567890 --meeting-uuid UUID --tag run1

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
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
  int port = 0;
  int connections = 8;
  long count = 20000;
  double seconds = 30;
  std::string meeting_id = "81234567890";
  std::string meeting_uuid = "benchUuid0000000000000==";
  std::string tag = "run";
  std::string path = "/api/webhooks/zoom";
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

std::string iso(std::time_t t)
{
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Event `n` of connection `c`: even n joins participant (c, n/2), odd n is their leave.
std::string body_for(const Options& o, int c, long n, std::time_t start)
{
  const long person = n / 2;
  const bool join = n % 2 == 0;
  const std::string uuid = o.tag + "-" + std::to_string(c) + "-" + std::to_string(person);
  const std::string t = iso(start + (join ? 0 : 60) + person % 1800);
  const long long ts = static_cast<long long>(start + person % 1800) * 1000 + n % 1000;
  std::string b =
      std::string(R"({"event":"meeting.participant_)") + (join ? "joined" : "left") + R"(","event_ts":)" +
      std::to_string(ts) + R"(,"payload":{"account_id":"benchAccount","object":{"id":")" + o.meeting_id +
      R"(","uuid":")" + o.meeting_uuid + R"(","host_id":"benchHost","topic":"Bench class","type":2,"start_time":")" +
      iso(start) + R"(","timezone":"UTC","duration":60,"participant":{"user_id":")" + std::to_string(16778240 + n) +
      R"(","user_name":"Bench Learner )" + std::to_string(person) + R"(","id":"","participant_uuid":")" + uuid +
      R"(",")" + (join ? "join_time" : "leave_time") + R"(":")" + t + R"(","email":"bench)" + std::to_string(c) + "x" +
      std::to_string(person) + R"(@example.com","registrant_id":null,"participant_user_id":"","customer_key":""}}}})";
  return b;
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

// Reads one HTTP response; returns the status (0 on failure) and whether the server closes.
int read_response(int fd, std::string& buf, bool& closing)
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
  return std::atoi(buf.c_str() + 9);
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
    } else if (k == "--meeting-id") {
      o.meeting_id = v;
    } else if (k == "--meeting-uuid") {
      o.meeting_uuid = v;
    } else if (k == "--tag") {
      o.tag = v;
    } else {
      std::fprintf(stderr, "webhook_ingest_load: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const char* secret_env = std::getenv("ZOOM_WEBHOOK_SECRET_TOKEN");
  if (o.port <= 0 || secret_env == nullptr || o.connections <= 0) {
    std::fprintf(stderr, "webhook_ingest_load: need --port and ZOOM_WEBHOOK_SECRET_TOKEN\n");
    return 2;
  }
  const std::string secret = secret_env;
  const std::time_t start = std::time(nullptr) - 3600;
  std::atomic<long> next{0};
  std::atomic<long> ok{0};
  std::atomic<long> non2xx{0};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(o.connections));
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(o.seconds);

  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c]() {
      int fd = -1;
      long mine = 0;
      std::string buf;
      while (std::chrono::steady_clock::now() < deadline && next.fetch_add(1) < o.count) {
        if (fd < 0 && (fd = connect_to(o.port)) < 0) {
          errors.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        const std::string body = body_for(o, c, mine++, start);
        const std::string ts = std::to_string(std::time(nullptr));
        const std::string sig = "v0=" + hmac_hex(secret, "v0:" + ts + ":" + body);
        const std::string req = "POST " + o.path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Zoom Marketplace/1.0a\r\n"
                                "Content-Type: application/json; charset=utf-8\r\nx-zm-request-timestamp: " +
                                ts + "\r\nx-zm-signature: " + sig +
                                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        const auto s0 = std::chrono::steady_clock::now();
        bool closing = false;
        const int status = send_all(fd, req) ? read_response(fd, buf, closing) : 0;
        const auto s1 = std::chrono::steady_clock::now();
        if (status == 0) {
          errors.fetch_add(1);
          ::close(fd);
          fd = -1;
          continue;
        }
        lat[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::milli>(s1 - s0).count());
        (status >= 200 && status < 300 ? ok : non2xx).fetch_add(1);
        if (closing) {
          ::close(fd);
          fd = -1;
        }
      }
      if (fd >= 0) {
        ::close(fd);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  std::printf("{\"ok\": %ld, \"non2xx\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"rate\": %.1f, \"p50_ms\": %.3f, "
              "\"p99_ms\": %.3f, \"max_ms\": %.3f, \"connections\": %d}\n",
              ok.load(), non2xx.load(), errors.load(), elapsed, static_cast<double>(ok.load()) / elapsed, pct(0.50),
              pct(0.99), all.empty() ? 0.0 : all.back(), o.connections);
  return 0;
}
