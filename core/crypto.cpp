#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace zc::crypto {

std::string hmac_sha256(std::string_view key, std::string_view message)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  const auto* result = HMAC(
      EVP_sha256(), key.data(), static_cast<int>(key.size()),
      reinterpret_cast<const unsigned char*>(message.data()), // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
      message.size(), out.data(), &len);
  if (result == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return {reinterpret_cast<const char*>(out.data()), len}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message)
{
  return to_hex(hmac_sha256(key, message));
}

std::string sha256_hex(std::string_view data)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(
      {reinterpret_cast<const char*>(out.data()), len}); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

std::string to_hex(std::string_view data)
{
  static constexpr std::string_view k_digits = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (const char c : data) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(k_digits[b >> 4U]);
    out.push_back(k_digits[b & 0x0FU]);
  }
  return out;
}

namespace {

constexpr std::string_view k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view data, std::string_view alphabet, bool pad)
{
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  while (i + 2 < data.size()) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16U) |
                   (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8U) |
                   static_cast<unsigned>(static_cast<unsigned char>(data[i + 2]));
    out.push_back(alphabet[(n >> 18U) & 63U]);
    out.push_back(alphabet[(n >> 12U) & 63U]);
    out.push_back(alphabet[(n >> 6U) & 63U]);
    out.push_back(alphabet[n & 63U]);
    i += 3;
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16U;
    out.push_back(alphabet[(n >> 18U) & 63U]);
    out.push_back(alphabet[(n >> 12U) & 63U]);
    if (pad) {
      out += "==";
    }
  } else if (rest == 2) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16U) |
                   (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8U);
    out.push_back(alphabet[(n >> 18U) & 63U]);
    out.push_back(alphabet[(n >> 12U) & 63U]);
    out.push_back(alphabet[(n >> 6U) & 63U]);
    if (pad) {
      out += "=";
    }
  }
  return out;
}

} // namespace

std::string base64_encode(std::string_view data)
{
  return encode(data, k_b64, true);
}

std::string base64url_encode(std::string_view data)
{
  return encode(data, k_b64url, false);
}

bool base64url_decode(std::string_view in, std::string& out)
{
  while (!in.empty() && in.back() == '=') {
    in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) {
    return false;
  }
  out.clear();
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : in) {
    const auto pos = k_b64url.find(c);
    if (pos == std::string_view::npos) {
      return false;
    }
    buffer = (buffer << 6U) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  return true;
}

std::string random_bytes(std::size_t n)
{
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) !=
      1) { // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    throw std::runtime_error("no random bytes available");
  }
  return out;
}

std::string random_token(std::size_t bytes)
{
  return base64url_encode(random_bytes(bytes));
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace zc::crypto
