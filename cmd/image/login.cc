// nook login [options] [REGISTRY]: podman-login(1).
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct LoginFlags {
  engine::LoginOptions options;
  bool tls_verify = true;
  CLI::Option* tls_verify_option = nullptr;
};

Result<std::string> read_all_stdin() {
  std::string text;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", "stdin"));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

// Prints the prompt on stdout and reads one line from the terminal, without echo for secrets.
Result<std::string> prompt_terminal(const std::string& prompt, bool secret) {
  fmt::print("{}", prompt);
  std::fflush(stdout);
  termios saved{};
  bool restore = false;
  if (secret && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  std::string line;
  bool ok = true;
  while (true) {
    char c = 0;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = !line.empty();
      break;
    }
    if (c == '\n') break;
    line.push_back(c);
  }
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (secret) {
    fmt::print("\n");
    std::fflush(stdout);
  }
  if (!ok) return fail(ErrorKind::InvalidArgument, "EOF");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Runner setup_login(CLI::App& app) {
  auto flags = std::make_shared<LoginFlags>();
  engine::LoginOptions& o = flags->options;
  flag_string(app, "--authfile", o.access.authfile,
              "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override");
  flag_string(app, "--cert-dir", o.access.cert_dir, "use certificates at the specified path to access the registry");
  flag_string(app, "--compat-auth-file", o.compat_auth_file, "path of a Docker-compatible config file to update instead");
  flag_bool(app, "--get-login", o.get_login, "Return the current login user for the registry");
  flag_string(app, "-p,--password", o.password, "Password for registry");
  flag_bool(app, "--password-stdin", o.password_stdin, "Take the password from stdin");
  flags->tls_verify_option = flag_bool(app, "--tls-verify", flags->tls_verify,
                                       "Require HTTPS and verify certificates when contacting registries")
                                 ->default_str("true");
  flag_string(app, "-u,--username", o.username, "Username for registry");
  flag_bool(app, "-v,--verbose", o.verbose, "Write more detailed information to stdout");
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() > 1) return fail(ErrorKind::InvalidArgument, "login accepts only one registry to log in to");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::LoginOptions options = flags->options;
    if (flags->tls_verify_option->count() > 0) options.access.tls_verify = flags->tls_verify;
    if (!args.empty()) options.registry = args.front();
    engine::LoginIo io;
    io.print_line = [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    };
    io.read_stdin = &read_all_stdin;
    if (::isatty(STDIN_FILENO)) io.prompt = &prompt_terminal;
    NOOK_TRY_VOID(engine::login(*settings, options, io));
    return 0;
  };
}

}  // namespace nook::cli
