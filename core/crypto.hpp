#pragma once
// Cryptographic primitives over OpenSSL: HMAC-SHA256, encodings, random tokens,
// constant-time comparison. OpenSSL types stay out of this header.

#include <cstdint>
#include <string>
#include <string_view>

namespace zc::crypto {

/// HMAC-SHA256 of `message` under `key`, as 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

/// HMAC-SHA256 of `message` under `key`, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// Lower-case hex of the bytes in `data`.
std::string to_hex(std::string_view data);

/// Standard base64 (RFC 4648 section 4) with padding.
std::string base64_encode(std::string_view data);

/// Base64url (RFC 4648 section 5) without padding, as JWTs use.
std::string base64url_encode(std::string_view data);

/// Decodes base64url (padding optional); false when `in` is not valid base64url.
bool base64url_decode(std::string_view in, std::string& out);

/// `n` cryptographically random bytes.
std::string random_bytes(std::size_t n);

/// A random URL-safe token carrying `bytes` bytes of entropy.
std::string random_token(std::size_t bytes = 24);

/// Compares `a` and `b` in time that does not depend on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace zc::crypto
