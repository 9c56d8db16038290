// What pvpn prints from a line the daemon sent (client/format, client/output):
// the reply is parsed like rpc_client does, then every formatter gets it.
#include "client/format.hpp"
#include "client/output.hpp"
#include "fuzz/check.hpp"
#include "proto/jsonrpc.hpp"

#include <cstdlib>

using namespace pvpn;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // format_event prints local time: make it the same on every machine.
    ::setenv("TZ", "UTC", 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    auto reply = proto::parse_reply(fuzz::as_text(data, size));
    if (!reply) return 0;
    std::int64_t const now = 1'760'000'000;
    if (reply->is_notification()) {
        (void)client::format_event(reply->params);
    } else if (reply->result) {
        (void)client::format_status(*reply->result, now);
        (void)client::format_list(*reply->result);
        (void)client::format_changes(*reply->result);
        if (auto const* event = reply->result->if_object()) (void)client::format_event(*event);
    } else if (reply->error) {
        client::CallError error{client::CallError::Kind::rpc, *reply->error, reply->error_data};
        (void)client::error_hints(error);
        (void)client::error_json(error);
        (void)client::exit_status(error);
    }
    return 0;
}
