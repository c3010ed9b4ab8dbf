#pragma once
// A per-test scratch directory, removed when the test ends.

#include <filesystem>
#include <random>
#include <string>

namespace zc::test {

/// A fresh temporary directory for one test case.
class Scratch
{
public:
  Scratch()
  {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() / ("zoomctl-unit-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  /// The path of `name` inside the scratch directory.
  [[nodiscard]] std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  std::filesystem::path m_path;
};

} // namespace zc::test
