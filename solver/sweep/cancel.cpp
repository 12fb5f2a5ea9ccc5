#include "solver/sweep/cancel.hpp"

#include <csignal>

namespace calcikin::sweep {

namespace {
// Signal handlers may only touch lock-free atomics and sig_atomic_t.
std::atomic<CancelToken*> g_token{nullptr};
volatile std::sig_atomic_t g_signals = 0;
struct sigaction g_old_int;
struct sigaction g_old_term;

extern "C" void on_interrupt(int signal_number) {
  g_signals = g_signals + 1;
  CancelToken* token = g_token.load();
  if (g_signals > 1 || token == nullptr) {
    // Second Ctrl-C: the user insists; leave now with the default action.
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  token->request();
}
}  // namespace

InterruptGuard::InterruptGuard(CancelToken& token) {
  g_signals = 0;
  g_token.store(&token);
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_token.store(nullptr);
}

bool InterruptGuard::interrupted() const noexcept { return g_signals > 0; }

}  // namespace calcikin::sweep
