#include "core/zoom/http.hpp"

#include "zoomctl_version.hpp"

#include "core/log.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace zc::zoom {

namespace {

char lower(char c)
{
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string_view trim(std::string_view s)
{
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// libcurl must be initialised once per process before any handle exists.
void global_init()
{
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

// Owns one CURL easy handle.
class EasyHandle
{
public:
  EasyHandle() : m_handle(curl_easy_init())
  {
    if (m_handle == nullptr) {
      throw std::runtime_error("curl_easy_init failed");
    }
  }
  ~EasyHandle()
  {
    if (m_handle != nullptr) {
      curl_easy_cleanup(m_handle);
    }
  }
  EasyHandle(EasyHandle&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
  EasyHandle& operator=(EasyHandle&& other) noexcept
  {
    if (this != &other) {
      if (m_handle != nullptr) {
        curl_easy_cleanup(m_handle);
      }
      m_handle = std::exchange(other.m_handle, nullptr);
    }
    return *this;
  }
  EasyHandle(const EasyHandle&) = delete;
  EasyHandle& operator=(const EasyHandle&) = delete;
  [[nodiscard]] CURL* get() const { return m_handle; }

private:
  CURL* m_handle;
};

// Owns a curl_slist of header lines.
class HeaderList
{
public:
  HeaderList() = default;
  ~HeaderList()
  {
    if (m_list != nullptr) {
      curl_slist_free_all(m_list);
    }
  }
  HeaderList(HeaderList&& other) noexcept : m_list(std::exchange(other.m_list, nullptr)) {}
  HeaderList& operator=(HeaderList&& other) noexcept
  {
    if (this != &other) {
      if (m_list != nullptr) {
        curl_slist_free_all(m_list);
      }
      m_list = std::exchange(other.m_list, nullptr);
    }
    return *this;
  }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  void append(const std::string& line)
  {
    curl_slist* next = curl_slist_append(m_list, line.c_str());
    if (next == nullptr) {
      throw std::runtime_error("curl_slist_append failed");
    }
    m_list = next;
  }
  [[nodiscard]] curl_slist* get() const { return m_list; }

private:
  curl_slist* m_list = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user)
{
  auto* out = static_cast<std::string*>(user);
  out->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user)
{
  auto* out = static_cast<Headers*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    *out = Headers{}; // a new response (after 100-continue or a redirect) starts afresh
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    out->set(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

NetworkErrorKind classify(CURLcode code)
{
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return NetworkErrorKind::resolve;
  case CURLE_COULDNT_CONNECT:
    return NetworkErrorKind::connect;
  case CURLE_OPERATION_TIMEDOUT:
    return NetworkErrorKind::timeout;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
    return NetworkErrorKind::tls;
  case CURLE_GOT_NOTHING:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_PARTIAL_FILE:
    return NetworkErrorKind::dropped;
  default:
    return NetworkErrorKind::other;
  }
}

} // namespace

const char* to_string(Method method)
{
  switch (method) {
  case Method::get:
    return "GET";
  case Method::post:
    return "POST";
  case Method::put:
    return "PUT";
  case Method::patch:
    return "PATCH";
  case Method::del:
    return "DELETE";
  }
  return "GET";
}

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const
{
  const auto n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = lower(a[i]);
    const char y = lower(b[i]);
    if (x != y) {
      return x < y;
    }
  }
  return a.size() < b.size();
}

void Headers::set(std::string name, std::string value)
{
  if (auto it = m_fields.find(name); it != m_fields.end()) {
    it->second = std::move(value);
  } else {
    m_fields.emplace(std::move(name), std::move(value));
  }
}

std::optional<std::string> Headers::get(std::string_view name) const
{
  if (auto it = m_fields.find(name); it != m_fields.end()) {
    return it->second;
  }
  return std::nullopt;
}

bool Headers::has(std::string_view name) const
{
  return m_fields.find(name) != m_fields.end();
}

bool never_reached_server(const NetworkError& error)
{
  return error.kind == NetworkErrorKind::resolve || error.kind == NetworkErrorKind::connect ||
         error.kind == NetworkErrorKind::tls;
}

struct CurlTransport::Impl {
  CurlOptions options;
  EasyHandle handle;
};

CurlTransport::CurlTransport(CurlOptions options)
{
  global_init();
  m_impl = std::make_unique<Impl>(Impl{options, EasyHandle{}});
}

CurlTransport::~CurlTransport() = default;
CurlTransport::CurlTransport(CurlTransport&&) noexcept = default;
CurlTransport& CurlTransport::operator=(CurlTransport&&) noexcept = default;

HttpResult CurlTransport::send(const HttpRequest& request)
{
  CURL* h = m_impl->handle.get();
  // Reset per-request options but keep the handle (and its connection cache).
  curl_easy_reset(h);

  HeaderList header_lines;
  if (!request.headers.has("Accept")) {
    header_lines.append("Accept: application/json");
  }
  for (const auto& [name, value] : request.headers.all()) {
    header_lines.append(fmt::format("{}: {}", name, value));
  }
  // Without this curl sends "Expect: 100-continue" on larger bodies and waits.
  header_lines.append("Expect:");

  std::string body;
  Headers headers;
  char error_buffer[CURL_ERROR_SIZE] = {};

  // NOLINTBEGIN(cppcoreguidelines-pro-type-vararg): curl_easy_setopt is variadic by design.
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_lines.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_impl->options.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(m_impl->options.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "zoomctl/" ZOOMCTL_VERSION);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  switch (request.method) {
  case Method::get:
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    break;
  case Method::post:
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    // On a reused connection that dies before answering, libcurl silently sends the
    // request again; a POST may already have acted (a second meeting), so use a new one.
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    break;
  default:
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, to_string(request.method));
    break;
  }
  if (request.method != Method::get && (!request.body.empty() || request.method != Method::del)) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  const CURLcode rc = curl_easy_perform(h);
  // NOLINTEND(cppcoreguidelines-pro-type-vararg)
  // Do not leave pointers to locals in the handle.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr); // NOLINT(cppcoreguidelines-pro-type-vararg)

  if (rc != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(rc);
    return NetworkError{classify(rc), detail};
  }
  HttpResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status); // NOLINT(cppcoreguidelines-pro-type-vararg)
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

std::string url_encode(std::string_view text)
{
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += k_hex[u >> 4U];
      out += k_hex[u & 0x0FU];
    }
  }
  return out;
}

std::string encode_query(const std::vector<std::pair<std::string, std::string>>& pairs)
{
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) {
      out += '&';
    }
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
  }
  return out;
}

} // namespace zc::zoom
