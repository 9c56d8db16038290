// How long to wait between reconnect rounds that found no working server:
// exponential from `first`, never over `cap`, with jitter so that many boxes
// behind one broken uplink do not retry in step. Pure: the caller supplies
// the random number.
#pragma once

#include <chrono>

namespace pvpn::health {

/// The shape of the waits.
struct BackoffPolicy {
    std::chrono::milliseconds first{2000};  ///< The wait after the first failed round.
    std::chrono::milliseconds cap{300000};  ///< No wait is longer ([monitor] backoff_max).
    double factor = 2.0;                    ///< Growth per failed round.
    double jitter = 0.2;                    ///< +-20 % around the nominal wait.
};

/// The waits of one stretch of failed rounds.
class Backoff {
public:
    explicit Backoff(BackoffPolicy policy = {}) : policy_(policy) {}

    /// The wait before the next round, after one more failed round. `unit` is
    /// a uniform random number in [0, 1) (0.5: the nominal wait).
    std::chrono::milliseconds next(double unit);

    /// Back to the first wait (the connection has been healthy again).
    void reset() { rounds_ = 0; }

    /// Failed rounds since the last reset.
    int rounds() const { return rounds_; }

    /// Takes effect from the next wait on (the rounds so far still count).
    void set_policy(BackoffPolicy policy) { policy_ = policy; }

private:
    BackoffPolicy policy_;
    int rounds_ = 0;
};

} // namespace pvpn::health
