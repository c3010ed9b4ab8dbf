#pragma once
// HTTP for the Zoom client: a transport interface (so OAuth, retry and the typed
// calls can be tested without a network) and its libcurl implementation. curl
// types stay out of this header.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zc::zoom {

/// An HTTP method the Zoom API uses.
enum class Method { get, post, put, patch, del };

/// The upper-case name of `method` ("GET", "DELETE", ...).
const char* to_string(Method method);

/// Less-than on strings ignoring ASCII case, for header names.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

/// HTTP header fields with case-insensitive names; a repeated field keeps its last value.
class Headers
{
public:
  /// Sets `name` to `value`, replacing an earlier value.
  void set(std::string name, std::string value);
  /// The value of `name`, if present.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  /// Whether `name` is present.
  [[nodiscard]] bool has(std::string_view name) const;
  /// Every field, ordered by name.
  [[nodiscard]] const std::map<std::string, std::string, CaseInsensitiveLess>& all() const { return m_fields; }

private:
  std::map<std::string, std::string, CaseInsensitiveLess> m_fields;
};

/// One request as the transport sends it.
struct HttpRequest {
  Method method = Method::get;
  std::string url;  ///< absolute URL, query included
  Headers headers;  ///< sent as given (Accept: application/json is added by the curl transport when absent)
  std::string body; ///< sent when not empty, or always for POST/PUT/PATCH
};

/// One response: status, header fields, body.
struct HttpResponse {
  long status = 0;
  Headers headers;
  std::string body;
};

/// Why a request got no HTTP response at all.
enum class NetworkErrorKind {
  resolve, ///< the host name did not resolve
  connect, ///< no connection could be made (nothing was sent)
  tls,     ///< the TLS handshake or certificate check failed
  timeout, ///< the connect or total timeout expired
  dropped, ///< the connection broke after the request was (maybe) sent
  other,   ///< anything else libcurl reports
};

/// A failure below HTTP: kind plus libcurl's explanation.
struct NetworkError {
  NetworkErrorKind kind = NetworkErrorKind::other;
  std::string message;
};

/// Whether the server cannot have seen the request behind `error` (safe to resend any method).
bool never_reached_server(const NetworkError& error);

/// Either a response or a network failure.
using HttpResult = std::variant<HttpResponse, NetworkError>;

/// Sends HTTP requests. Implementations need not be thread-safe.
class Transport
{
public:
  virtual ~Transport() = default;
  /// Sends `request` and waits for the whole response.
  virtual HttpResult send(const HttpRequest& request) = 0;
};

/// Timeouts of the curl transport.
struct CurlOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
};

/// A `Transport` over one reused libcurl easy handle (keeps connections alive);
/// TLS peer and host verification are always on. Move-only.
class CurlTransport final : public Transport
{
public:
  explicit CurlTransport(CurlOptions options = {});
  ~CurlTransport() override;
  CurlTransport(CurlTransport&&) noexcept;
  CurlTransport& operator=(CurlTransport&&) noexcept;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResult send(const HttpRequest& request) override;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Percent-encodes `text` for a URL path segment or query value (RFC 3986 unreserved kept).
std::string url_encode(std::string_view text);

/// Joins `pairs` as `k=v&k=v` with both sides percent-encoded (also the form-body encoding).
std::string encode_query(const std::vector<std::pair<std::string, std::string>>& pairs);

} // namespace zc::zoom
