#pragma once
// A value-or-error type for functions that can fail in expected ways (Zoom said
// no, a row was not found, input was malformed). Exceptions are only for
// aborting a command and are caught once at the top of each program.

#include <string>
#include <utility>
#include <variant>

namespace zc {

/// What kind of failure an `Error` is; front ends map it to an exit code or HTTP status.
enum class ErrorKind {
  invalid_input, ///< the caller's input is malformed (exit 2, HTTP 400)
  not_found,     ///< a referenced record does not exist (exit 3, HTTP 404)
  conflict,      ///< the change clashes with existing state (exit 4, HTTP 409)
  config,        ///< configuration is missing or malformed (exit 5, HTTP 503)
  zoom,          ///< Zoom (or the emulator) refused or failed (exit 6, HTTP 502)
  auth,          ///< credentials or access rights are wrong (exit 7, HTTP 401/403)
  database,      ///< the database could not be read or written (exit 8, HTTP 500)
  internal,      ///< a bug (exit 70, HTTP 500)
};

/// An expected failure: a kind and a message a person can act on. `http_status`
/// and `zoom_code` carry Zoom's answer when the failure came from Zoom.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  int http_status = 0;
  long zoom_code = 0;
};

/// Makes an `Error` of `kind` with `message`.
inline Error make_error(ErrorKind kind, std::string message)
{
  return Error{kind, std::move(message), 0, 0};
}

/// Holds either a `T` or an `Error`.
template <typename T> class [[nodiscard]] Expected
{
public:
  Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) {}     // NOLINT(google-explicit-constructor)
  Expected(Error error) : m_v(std::in_place_index<1>, std::move(error)) {} // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const { return m_v.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const { return std::get<1>(m_v); }

private:
  std::variant<T, Error> m_v;
};

/// `Expected<void>`: success carries no value.
template <> class [[nodiscard]] Expected<void>
{
public:
  Expected() = default;
  Expected(Error error) : m_error(std::move(error)), m_ok(false) {} // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  [[nodiscard]] const Error& error() const { return m_error; }

private:
  Error m_error;
  bool m_ok = true;
};

/// Thrown to abort a command; caught once in each program's `main`.
class Fatal : public std::exception
{
public:
  explicit Fatal(Error error) : m_error(std::move(error)) {}
  [[nodiscard]] const char* what() const noexcept override { return m_error.message.c_str(); }
  [[nodiscard]] const Error& error() const { return m_error; }

private:
  Error m_error;
};

/// Returns the value of `e` or throws `Fatal` with its error.
template <typename T> T value_or_throw(Expected<T> e)
{
  if (!e) {
    throw Fatal(e.error());
  }
  return std::move(e).value();
}

} // namespace zc
