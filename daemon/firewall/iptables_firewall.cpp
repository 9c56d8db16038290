#include "daemon/firewall/firewall.hpp"

#include "common/log.hpp"
#include "daemon/firewall/iptables_rules.hpp"
#include "daemon/firewall/process.hpp"

namespace pvpn::firewall {
namespace {

struct Tools {
    std::string save;
    std::string restore;
};

Tools tools_for(IpFamily family) {
    if (family == IpFamily::v4) return {"iptables-save", "iptables-restore"};
    return {"ip6tables-save", "ip6tables-restore"};
}

std::string first_line(std::string const& text) { return text.substr(0, text.find('\n')); }

Result<std::string> save_filter(IpFamily family) {
    auto const tool = tools_for(family).save;
    auto run = run_process({tool, "-t", "filter"}, {});
    if (!run) return run.error();
    if (run->exit_status != 0) return fail(Errc::tunnel_failed, tool + " failed: " + first_line(run->err));
    return std::move(run->out);
}

// One family, one iptables-restore run: one commit of the filter table.
Result<void> apply_family(Policy const& policy, IpFamily family) {
    auto before = save_filter(family);
    if (!before) return before.error();
    auto const tool = tools_for(family).restore;
    auto run = run_process({tool, "--wait", "10", "--noflush"}, render_iptables(policy, family, read_iptables_state(*before)));
    if (!run) return run.error();
    if (run->exit_status != 0) {
        return fail(Errc::tunnel_failed,
                    tool + " refused the kill-switch rules (the previous ones stay in force): " + first_line(run->err));
    }
    auto after = save_filter(family);
    if (!after) return after.error();
    auto const st = read_iptables_state(*after);
    bool const ok = policy.mode == Mode::off ? !st.has_chains && st.input_jumps + st.output_jumps + st.forward_jumps == 0
                                             : st.has_chains && st.jumps_first;
    if (!ok) return fail(Errc::tunnel_failed, "the kill-switch chains read back from " + tool + " are not as applied");
    return {};
}

} // namespace

Result<void> IptablesFirewall::apply(Policy const& policy) {
    if (auto valid = validate(policy); !valid) return valid.error();
    for (auto family : {IpFamily::v4, IpFamily::v6}) {
        if (auto done = apply_family(policy, family); !done) return done.error();
    }
    if (policy.mode == Mode::off) log::info("firewall", "kill-switch rules removed (iptables)");
    else log::info("firewall", "kill-switch ", mode_name(policy.mode), policy.allow_lan ? ", LAN allowed" : "",
                   ", in force (iptables)");
    return {};
}

Result<void> IptablesFirewall::reset() { return apply(Policy{}); }

Result<std::optional<std::string>> IptablesFirewall::current() {
    std::string text;
    for (auto family : {IpFamily::v4, IpFamily::v6}) {
        auto save = save_filter(family);
        if (!save) return save.error();
        auto ours = pvpn_lines(*save);
        if (!ours.empty()) text += (family == IpFamily::v4 ? "# iptables\n" : "# ip6tables\n") + ours;
    }
    if (text.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(text));
}

} // namespace pvpn::firewall
