#include "daemon/net/remembering_resolver.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <optional>

namespace pvpn::net {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

/// Hosts kept in the file; the least recently resolved go first.
constexpr std::size_t max_hosts = 8;
constexpr std::size_t max_file_bytes = 64 * 1024;

struct Remembered {
    std::string host;
    std::vector<std::string> addresses;
    std::int64_t resolved_at = 0;
};

bool is_ip_literal(std::string const& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

// {"hosts": {"<name>": {"addresses": ["<ip>", ...], "resolved_at": <unix>}}}.
// Anything unreadable counts as nothing remembered: the file is only a hint.
std::vector<Remembered> load(std::filesystem::path const& file) {
    auto text = read_file_if_exists(file, max_file_bytes);
    if (!text || !*text) return {};
    boost::system::error_code ec;
    auto doc = json::parse(**text, ec);
    auto const* hosts = !ec && doc.is_object() ? doc.as_object().if_contains("hosts") : nullptr;
    if (!hosts || !hosts->is_object()) {
        log::warn("dns", "ignoring ", file.string(), ": not a remembered-address file");
        return {};
    }
    std::vector<Remembered> out;
    for (auto const& [name, value] : hosts->as_object()) {
        if (!value.is_object()) continue;
        Remembered r{std::string(name), {}, 0};
        if (auto const* at = value.as_object().if_contains("resolved_at"); at && at->is_int64())
            r.resolved_at = at->as_int64();
        if (auto const* list = value.as_object().if_contains("addresses"); list && list->is_array()) {
            for (auto const& a : list->as_array()) {
                if (a.is_string() && is_ip_literal(std::string(a.as_string()))) r.addresses.emplace_back(a.as_string());
            }
        }
        if (!r.addresses.empty()) out.push_back(std::move(r));
    }
    return out;
}

std::string render(std::vector<Remembered> const& entries) {
    json::object hosts;
    for (auto const& e : entries) {
        json::array addresses;
        for (auto const& a : e.addresses) addresses.emplace_back(a);
        hosts[e.host] = json::object{{"addresses", std::move(addresses)}, {"resolved_at", e.resolved_at}};
    }
    return json::serialize(json::object{{"hosts", std::move(hosts)}}) + "\n";
}

std::optional<Remembered> find(std::vector<Remembered> const& entries, std::string const& host) {
    for (auto const& e : entries)
        if (e.host == host) return e;
    return std::nullopt;
}

std::vector<std::string> address_texts(TcpEndpoints const& endpoints) {
    std::vector<std::string> out;
    for (auto const& e : endpoints) {
        auto text = e.address().to_string();
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
    }
    return out;
}

Result<TcpEndpoints> endpoints_of(Remembered const& r, std::string const& port) {
    unsigned long number = 0;
    try {
        number = std::stoul(port);
    } catch (std::exception const&) {
        return fail(Errc::invalid_params, "bad port " + port);
    }
    if (number == 0 || number > 65535) return fail(Errc::invalid_params, "bad port " + port);
    TcpEndpoints out;
    for (auto const& a : r.addresses) out.emplace_back(asio::ip::make_address(a), static_cast<unsigned short>(number));
    return out;
}

} // namespace

RememberingResolver::RememberingResolver(HostResolver& system, std::filesystem::path file,
                                         std::function<std::int64_t()> now)
    : system_(system), file_(std::move(file)), now_(std::move(now)) {}

bool RememberingResolver::remembers(std::string const& host) const { return find(load(file_), host).has_value(); }

asio::awaitable<Result<TcpEndpoints>> RememberingResolver::resolve(std::string host, std::string port,
                                                                   std::chrono::milliseconds deadline) {
    if (is_ip_literal(host)) co_return co_await system_.resolve(host, port, deadline);
    auto entries = load(file_);
    auto remembered = find(entries, host);
    auto const limit = remembered ? std::min(deadline, quick_deadline) : deadline;
    auto answer = co_await system_.resolve(host, port, limit);
    if (answer) {
        auto addresses = address_texts(*answer);
        if (!remembered || remembered->addresses != addresses) {
            std::erase_if(entries, [&](Remembered const& e) { return e.host == host; });
            entries.push_back({host, std::move(addresses), now_()});
            std::sort(entries.begin(), entries.end(),
                      [](Remembered const& a, Remembered const& b) { return a.resolved_at > b.resolved_at; });
            if (entries.size() > max_hosts) entries.resize(max_hosts);
            if (auto w = write_file_atomic(file_, render(entries), 0600); !w)
                log::warn("dns", "cannot remember the addresses of ", host, ": ", w.error().message);
        }
        co_return answer;
    }
    if (!remembered) {
        Error e = answer.error();
        e.message += "; no address of " + host +
                     " is remembered from an earlier lookup either (while the kill-switch blocks, no DNS query "
                     "leaves this machine outside the tunnel: `pvpn disconnect --ks false` lifts the block)";
        co_return e;
    }
    auto out = endpoints_of(*remembered, port);
    if (!out) co_return out.error();
    log::info("dns", answer.error().message, "; using the ", out->size(), " address(es) of ", host,
              " remembered at unix time ", remembered->resolved_at);
    co_return out;
}

} // namespace pvpn::net
