#include "core/zoom/http.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <unistd.h>

using namespace zc::zoom;

TEST_CASE("zoom::http headers are case-insensitive")
{
  Headers h;
  h.set("Retry-After", "5");
  CHECK(h.get("retry-after") == "5");
  CHECK(h.get("RETRY-AFTER") == "5");
  CHECK(h.has("Retry-after"));
  h.set("retry-after", "6");
  CHECK(h.get("Retry-After") == "6");
  CHECK(h.all().size() == 1);
  CHECK_FALSE(h.get("X-RateLimit-Type"));
}

TEST_CASE("zoom::http url_encode and encode_query")
{
  CHECK(url_encode("abc-_.~XYZ019") == "abc-_.~XYZ019");
  CHECK(url_encode("a b/c=d&e+f@g") == "a%20b%2Fc%3Dd%26e%2Bf%40g");
  CHECK(url_encode("\xc3\xa9") == "%C3%A9");
  CHECK(encode_query({{"status", "active"}, {"next_page_token", "a b"}}) == "status=active&next_page_token=a%20b");
  CHECK(encode_query({}).empty());
}

TEST_CASE("zoom::http method names")
{
  CHECK(std::string(to_string(Method::get)) == "GET");
  CHECK(std::string(to_string(Method::patch)) == "PATCH");
  CHECK(std::string(to_string(Method::del)) == "DELETE");
}

TEST_CASE("zoom::http curl transport reports a refused connection as a typed failure")
{
  // Bind a port and close it again: nothing listens there.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0); // NOLINT
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0); // NOLINT
  const int port = ntohs(addr.sin_port);
  ::close(fd);

  CurlTransport t(CurlOptions{std::chrono::milliseconds(2000), std::chrono::milliseconds(3000)});
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/users/me";
  auto result = t.send(r);
  REQUIRE(std::holds_alternative<NetworkError>(result));
  const auto& e = std::get<NetworkError>(result);
  CHECK(e.kind == NetworkErrorKind::connect);
  CHECK(never_reached_server(e));
  CHECK_FALSE(e.message.empty());
}
