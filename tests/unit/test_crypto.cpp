#include "core/crypto.hpp"

#include <doctest/doctest.h>

// Vectors from ../shared/zoom/test_vectors.txt (computed with Python's hmac and
// cross-checked with openssl, independently of this code) and RFC 4231.
TEST_CASE("crypto::hmac_sha256_hex matches RFC 4231 test case 2")
{
  CHECK(zc::crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("crypto::hmac_sha256_hex gives Zoom's CRC encryptedToken")
{
  CHECK(zc::crypto::hmac_sha256_hex("zoom_test_secret", "qgg8vlvZRS6UYooatFL8Aw") ==
        "40a58fc396b81cf5fa0ee7d3431e19801ad5c46f66d6891a405bdb809268503d");
}

TEST_CASE("crypto::base64 encodings")
{
  CHECK(zc::crypto::base64_encode("cid:csec") == "Y2lkOmNzZWM=");
  CHECK(zc::crypto::base64_encode("") == "");
  CHECK(zc::crypto::base64_encode("f") == "Zg==");
  CHECK(zc::crypto::base64_encode("fo") == "Zm8=");
  CHECK(zc::crypto::base64url_encode("\xfb\xff") == "-_8");
  std::string out;
  CHECK(zc::crypto::base64url_decode("-_8", out));
  CHECK(out == "\xfb\xff");
  CHECK_FALSE(zc::crypto::base64url_decode("a+b/", out));
  CHECK_FALSE(zc::crypto::base64url_decode("abcde", out));
}

TEST_CASE("crypto::constant_time_equal")
{
  CHECK(zc::crypto::constant_time_equal("abc", "abc"));
  CHECK_FALSE(zc::crypto::constant_time_equal("abc", "abd"));
  CHECK_FALSE(zc::crypto::constant_time_equal("abc", "abcd"));
}

TEST_CASE("crypto::random_token is url-safe and unique")
{
  const auto a = zc::crypto::random_token();
  const auto b = zc::crypto::random_token();
  CHECK(a != b);
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
}
