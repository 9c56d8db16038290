// The lease loop's timing rules, kept pure so they can be tested alone.
#pragma once

#include <chrono>

namespace pvpn::portfwd {

using Millis = std::chrono::milliseconds;

/// How long after a successful renewal the next one is due: every
/// `configured`, but never later than three quarters of the lifetime the
/// gateway granted (so one lost renewal still leaves time to retry before the
/// mapping lapses), and at most once a second.
Millis next_renew(Millis configured, std::chrono::seconds granted);

/// The wait before the next attempt after `failures` failed ones in a row
/// (1 = the first failure): 2 s, doubling, at most `cap`.
Millis retry_backoff(unsigned failures, Millis cap);

/// The wait before retrying a failed renewal while the lease still holds for
/// `remaining`: the backoff, but no later than half of what is left (at least
/// 1 s), so several retries fit before the mapping expires.
Millis retry_while_valid(unsigned failures, Millis cap, Millis remaining);

} // namespace pvpn::portfwd
