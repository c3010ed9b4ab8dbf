#include "cli/common.hpp"

#include "core/log.hpp"
#include "core/services/audit.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace zc::cli {

int exit_code_for(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::invalid_input:
    return exit_code::usage;
  case ErrorKind::not_found:
    return exit_code::not_found;
  case ErrorKind::conflict:
    return exit_code::conflict;
  case ErrorKind::config:
    return exit_code::config;
  case ErrorKind::zoom:
    return exit_code::zoom;
  case ErrorKind::auth:
    return exit_code::auth;
  case ErrorKind::database:
    return exit_code::database;
  case ErrorKind::internal:
    return exit_code::internal;
  }
  return exit_code::internal;
}

Context::Context(Globals globals) : m_globals(std::move(globals)) {}

void Context::load_config()
{
  auto env = config::process_environment();
  if (!m_globals.env_file.empty()) {
    std::vector<std::string> warnings;
    auto file = config::read_env_file(m_globals.env_file, warnings);
    if (!file) {
      throw Fatal(file.error());
    }
    for (const auto& w : warnings) {
      std::cerr << "zoomctl: " << w << '\n';
    }
    env = config::merge(*file, env);
  }
  if (!m_globals.db_path.empty()) {
    env["ZOOMCTL_DB"] = m_globals.db_path;
  }
  m_loaded = config::load(env);
  for (const auto* s : {&m_loaded.config.client_secret, &m_loaded.config.sdk_secret, &m_loaded.config.webhook_secret,
                        &m_loaded.config.api_token, &m_loaded.config.link_secret}) {
    log::add_secret(*s);
  }
}

void Context::require(config::Need need) const
{
  if (auto ok = config::validate(m_loaded, need); !ok) {
    throw Fatal(ok.error());
  }
}

db::Database& Context::db()
{
  if (!m_db) {
    require(config::Need::none);
    m_db.emplace(value_or_throw(db::Database::open(m_loaded.config.db_path, db::Migrate::yes)));
  }
  return *m_db;
}

db::Database& Context::db_without_migrating()
{
  if (!m_db) {
    require(config::Need::none);
    m_db.emplace(value_or_throw(db::Database::open(m_loaded.config.db_path, db::Migrate::no)));
  }
  return *m_db;
}

std::string Context::actor() const
{
  return m_globals.actor.empty() ? services::os_user() : m_globals.actor;
}

bool Context::stderr_is_tty() const
{
  return ::isatty(STDERR_FILENO) == 1;
}

void print_json(const nlohmann::json& j)
{
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

int report(const Error& err)
{
  std::cerr << "zoomctl: error: " << log::redact(err.message) << '\n';
  return exit_code_for(err.kind);
}

Progress::Progress(const Context& ctx, std::string label, std::size_t total)
    : m_enabled(ctx.stderr_is_tty() && !ctx.quiet() && total > 1), m_label(std::move(label)), m_total(total)
{}

Progress::~Progress()
{
  if (m_enabled) {
    std::fputs("\r\033[K", stderr);
  }
}

void Progress::tick()
{
  ++m_done;
  if (!m_enabled) {
    return;
  }
  constexpr std::size_t k_width = 30;
  const std::size_t filled = m_total == 0 ? k_width : m_done * k_width / m_total;
  std::string bar(filled, '#');
  bar.resize(k_width, '.');
  std::fputs(fmt::format("\r{} [{}] {}/{}", m_label, bar, m_done, m_total).c_str(), stderr);
  std::fflush(stderr);
}

} // namespace zc::cli
