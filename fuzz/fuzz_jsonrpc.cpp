// pvpnd's socket input: a byte stream split into lines by LineFramer (in
// pieces, with a size limit), each line parsed as a JSON-RPC request; and the
// replies the daemon makes of it, which pvpn must read back.
#include "fuzz/check.hpp"
#include "proto/jsonrpc.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace pvpn;
namespace json = boost::json;

namespace {

/// The lines of `stream` as a plain split would give them (complete lines
/// only, a trailing '\r' dropped), and the longest raw line or tail.
struct Reference {
    std::vector<std::string_view> lines;
    std::size_t longest = 0;
};

Reference split(std::string_view stream) {
    Reference ref;
    while (true) {
        auto nl = stream.find('\n');
        auto raw = stream.substr(0, nl);
        ref.longest = std::max(ref.longest, raw.size());
        if (nl == std::string_view::npos) break;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        ref.lines.push_back(raw);
        stream.remove_prefix(nl + 1);
    }
    return ref;
}

void check_reply(std::string const& encoded, json::value const& id) {
    PVPN_FUZZ_CHECK(!encoded.empty() && encoded.back() == '\n');
    PVPN_FUZZ_CHECK(std::count(encoded.begin(), encoded.end(), '\n') == 1);
    auto reply = proto::parse_reply(std::string_view(encoded).substr(0, encoded.size() - 1));
    PVPN_FUZZ_CHECK(reply.has_value());
    PVPN_FUZZ_CHECK(reply->id == id);
}

/// What a session does with one line, plus the round trips of its answer.
void handle(std::string const& line) {
    (void)proto::parse_reply(line);
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    auto request = proto::parse_request(line);
    if (!request) {
        auto const& err = request.error();
        auto encoded = proto::encode_error(err.id, err.error);
        check_reply(encoded, err.id);
        auto back = proto::parse_reply(std::string_view(encoded).substr(0, encoded.size() - 1));
        PVPN_FUZZ_CHECK(back->error && back->error->code == err.error.code);
        return;
    }
    check_reply(proto::encode_result(request->id, request->params), request->id);
    auto again = proto::encode_request(request->id, request->method, request->params);
    auto reparsed = proto::parse_request(std::string_view(again).substr(0, again.size() - 1));
    PVPN_FUZZ_CHECK(reparsed.has_value());
    PVPN_FUZZ_CHECK(reparsed->method == request->method && reparsed->params == request->params);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks how the stream is cut into reads and the line limit
    // (small, so that too-long lines happen; the session's is 64 KiB).
    std::size_t const piece = 1 + data[0] % 32;
    std::size_t const limit = 8 + std::size_t{data[0]} * 8;
    auto const stream = fuzz::as_text(data + 1, size - 1);
    auto const ref = split(stream);

    proto::LineFramer framer(limit);
    std::size_t taken = 0;
    for (std::size_t at = 0; at < stream.size() && !framer.poisoned(); at += piece) {
        if (!framer.feed(stream.substr(at, piece))) break;
        while (auto line = framer.next_line()) {
            PVPN_FUZZ_CHECK(taken < ref.lines.size() && *line == ref.lines[taken]);
            PVPN_FUZZ_CHECK(line->size() <= limit);
            ++taken;
            handle(*line);
        }
    }
    if (framer.poisoned())
        PVPN_FUZZ_CHECK(ref.longest > limit);
    else
        PVPN_FUZZ_CHECK(taken == ref.lines.size());
    return 0;
}
