#include "daemon/net/nl_request.hpp"

#include "common/c_handle.hpp"

#include <netlink/netlink.h>
#include <netlink/msg.h>

#include <cerrno>

namespace pvpn::net {

namespace {

struct State {
    int error = 0;
    bool done = false;
    bool rejected = false;
    std::function<bool(nl_msg*)> const* on_message = nullptr;
};

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
    auto* state = static_cast<State*>(arg);
    state->error = -err->error;
    state->done = true;
    return NL_STOP;
}

int on_done(nl_msg*, void* arg) {
    static_cast<State*>(arg)->done = true;
    return NL_STOP;
}

int on_valid(nl_msg* msg, void* arg) {
    auto* state = static_cast<State*>(arg);
    if (!state->rejected && state->on_message && !(*state->on_message)(msg)) state->rejected = true;
    return NL_OK;
}

int run(nl_sock* sock, nl_msg* msg, State& state) {
    if (nl_send_auto(sock, msg) < 0) return EIO;
    NlCb cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) return ENOMEM;
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &state);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &state);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &state);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &state);
    while (!state.done) {
        if (nl_recvmsgs(sock, cb.get()) < 0 && !state.done) return EIO;
    }
    if (state.error) return state.error;
    return state.rejected ? EPROTO : 0;
}

} // namespace

int nl_request(nl_sock* sock, nl_msg* msg) {
    State state;
    return run(sock, msg, state);
}

int nl_dump(nl_sock* sock, nl_msg* msg, std::function<bool(nl_msg*)> const& on_message) {
    State state;
    state.on_message = &on_message;
    return run(sock, msg, state);
}

} // namespace pvpn::net
