#include "http_util.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <memory>

namespace zs {
namespace {

int port_of(const sockaddr_storage& addr)
{
  if (addr.ss_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, &addr, sizeof in);
    return ntohs(in.sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &addr, sizeof in6);
    return ntohs(in6.sin6_port);
  }
  return -1;
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

} // namespace

RequestContext& request_context()
{
  thread_local RequestContext context;
  return context;
}

void send(httplib::Response& res, const Reply& reply)
{
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) {
    res.headers.erase(k);
    res.set_header(k, v);
  }
  if (!reply.body.is_null()) {
    res.set_content(dump_compact(reply.body), k_json_type);
  }
}

Json parse_body(const httplib::Request& req)
{
  return Json::parse(req.body, nullptr, false);
}

namespace {

// Calls `fn(fd, peer_port)` for every connected socket of this process whose local port is `listen_port`.
template <typename Fn> void for_each_connection(int listen_port, Fn fn)
{
  std::unique_ptr<DIR, DirCloser> dir(opendir("/proc/self/fd"));
  if (!dir) {
    return;
  }
  while (dirent* entry = readdir(dir.get())) {
    char* end = nullptr;
    long fd_long = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') {
      continue;
    }
    int fd = static_cast<int>(fd_long);
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
      continue;
    }
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || port_of(local) != listen_port) {
      continue;
    }
    sockaddr_storage peer{};
    len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
      continue; // the listening socket itself
    }
    if (fn(fd, port_of(peer))) {
      return;
    }
  }
}

} // namespace

void drop_connection(const httplib::Request& req, int listen_port)
{
  for_each_connection(listen_port, [&req](int fd, int peer_port) {
    if (peer_port != req.remote_port) {
      return false;
    }
    shutdown(fd, SHUT_RDWR);
    return true;
  });
}

void close_connections(int listen_port)
{
  for_each_connection(listen_port, [](int fd, int) {
    shutdown(fd, SHUT_RDWR);
    return false;
  });
}

} // namespace zs
