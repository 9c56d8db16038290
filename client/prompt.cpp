#include "client/prompt.hpp"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <iterator>

namespace pvpn::client {
namespace {

// The terminal settings to put back if a signal ends the process while echo
// is off; only touched with async-signal-safe calls.
struct termios saved_termios;
volatile std::sig_atomic_t echo_off = 0;

extern "C" void restore_and_reraise(int sig) {
    if (echo_off) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

constexpr int guarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

// Turns echo off for its lifetime; restores the terminal even on Ctrl-C.
class NoEcho {
public:
    NoEcho() {
        if (::tcgetattr(STDIN_FILENO, &saved_termios) != 0) return;
        struct sigaction action {};
        action.sa_handler = restore_and_reraise;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < std::size(guarded_signals); ++i)
            ::sigaction(guarded_signals[i], &action, &previous_[i]);
        installed_ = true;
        auto quiet = saved_termios;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        echo_off = 1;
        active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        if (!active_) echo_off = 0;
    }
    ~NoEcho() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
        echo_off = 0;
        if (!installed_) return;
        for (std::size_t i = 0; i < std::size(guarded_signals); ++i)
            ::sigaction(guarded_signals[i], &previous_[i], nullptr);
    }
    NoEcho(NoEcho const&) = delete;
    NoEcho& operator=(NoEcho const&) = delete;

private:
    struct sigaction previous_[std::size(guarded_signals)] {};
    bool installed_ = false;
    bool active_ = false;
};

} // namespace

std::optional<std::string> TtyTerminal::ask(std::string_view question, bool secret) {
    std::cerr << question << std::flush;
    std::string line;
    bool ok = false;
    if (secret) {
        NoEcho guard;
        ok = static_cast<bool>(std::getline(std::cin, line));
    } else {
        ok = static_cast<bool>(std::getline(std::cin, line));
    }
    if (!ok) {
        std::cerr << "\n";
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

void TtyTerminal::say(std::string_view line) { std::cerr << line << "\n"; }

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

} // namespace pvpn::client
