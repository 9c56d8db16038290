#include "daemon/firewall/firewall.hpp"

#include "common/log.hpp"

#include <nftables/libnftables.h>

#include <memory>

namespace pvpn::firewall {
namespace {

struct NftOutcome {
    bool ok = false;
    std::string out;
    std::string err;
};

// One call = one buffer = one kernel transaction: every command in `script`
// takes effect together or not at all. A context per call keeps no socket
// open between changes and binds to the caller's network namespace.
NftOutcome run_nft(std::string const& script) {
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free);
    if (!ctx) return {false, "", "cannot create an nftables context"};
    nft_ctx_buffer_output(ctx.get());
    nft_ctx_buffer_error(ctx.get());
    NftOutcome outcome;
    outcome.ok = nft_run_cmd_from_buffer(ctx.get(), script.c_str()) == 0;
    if (auto const* out = nft_ctx_get_output_buffer(ctx.get())) outcome.out = out;
    if (auto const* err = nft_ctx_get_error_buffer(ctx.get())) outcome.err = err;
    while (!outcome.err.empty() && (outcome.err.back() == '\n' || outcome.err.back() == ' ')) outcome.err.pop_back();
    return outcome;
}

std::string const table_line = "table inet " + std::string(nft_table);

} // namespace

bool NftFirewall::available() {
    return run_nft("add table inet pvpn_probe\ndelete table inet pvpn_probe\n").ok;
}

Result<void> NftFirewall::apply(Policy const& policy) {
    if (auto valid = validate(policy); !valid) return valid.error();
    auto applied = run_nft(render_nft(policy));
    if (!applied.ok) {
        return fail(Errc::tunnel_failed,
                    "nftables refused the kill-switch rules (the previous ones stay in force): " + applied.err);
    }
    auto now = current();
    if (!now) return now.error();
    auto const wanted = stamp_of(policy);
    auto const found = *now ? read_stamp(**now) : std::nullopt;
    if (found != wanted) {
        return fail(Errc::tunnel_failed, "the kill-switch rules read back from nftables are not the ones applied");
    }
    if (policy.mode == Mode::off) log::info("firewall", "kill-switch rules removed (nftables)");
    else log::info("firewall", "kill-switch ", mode_name(policy.mode), policy.allow_lan ? ", LAN allowed" : "",
                   ", in force (nftables)");
    return {};
}

Result<void> NftFirewall::reset() { return apply(Policy{}); }

Result<std::optional<std::string>> NftFirewall::current() {
    auto listed = run_nft("list table inet " + std::string(nft_table));
    if (listed.ok) return std::optional<std::string>(std::move(listed.out));
    // A missing table is an answer, not an error: tell the two apart.
    auto tables = run_nft("list tables");
    if (!tables.ok) return fail(Errc::internal, "cannot list the nftables tables: " + tables.err);
    if (tables.out.find(table_line + "\n") != std::string::npos)
        return fail(Errc::internal, "cannot list the kill-switch table: " + listed.err);
    return std::optional<std::string>();
}

} // namespace pvpn::firewall
