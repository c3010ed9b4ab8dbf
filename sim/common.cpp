#include "common.hpp"

namespace zs {

Reply zoom_error(int status, long code, std::string message)
{
  Reply r;
  r.status = status;
  r.body = OJson::object();
  r.body["code"] = code;
  r.body["message"] = std::move(message);
  return r;
}

Reply validation_error(const std::vector<std::pair<std::string, std::string>>& field_messages)
{
  Reply r = zoom_error(400, 300, "Validation Failed.");
  OJson errors = OJson::array();
  for (const auto& [field, message] : field_messages) {
    OJson e = OJson::object();
    e["field"] = field;
    e["message"] = message;
    errors.push_back(std::move(e));
  }
  r.body["errors"] = std::move(errors);
  return r;
}

Reply invalid_json_error()
{
  return zoom_error(400, 300, "Request Body should be a valid JSON object.");
}

Reply meeting_not_found(std::string_view meeting_id)
{
  return zoom_error(404, 3001, "Meeting " + std::string(meeting_id) + " is not found or has expired.");
}

Reply ok(OJson body, int status)
{
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply no_content(int status)
{
  Reply r;
  r.status = status;
  return r;
}

std::string dump_compact(const OJson& j)
{
  return j.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

std::string random_chars(std::mt19937_64& rng, std::size_t n, std::string_view alphabet)
{
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(alphabet[pick(rng)]);
  }
  return out;
}

std::string random_uuid_upper(std::mt19937_64& rng)
{
  constexpr std::string_view hex = "0123456789ABCDEF";
  std::string s = random_chars(rng, 32, hex);
  return s.substr(0, 8) + "-" + s.substr(8, 4) + "-" + s.substr(12, 4) + "-" + s.substr(16, 4) + "-" + s.substr(20);
}

std::int64_t now_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string url_decode(std::string_view s)
{
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hexval(s[i + 1]);
      int lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

} // namespace zs
