#include "daemon/net/prefix.hpp"

#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <charconv>

namespace pvpn::net {
namespace ip = boost::asio::ip;

namespace {

Error invalid(std::string_view what, std::string_view text) {
    return fail(Errc::invalid_params, std::string(what) + " \"" + std::string(text) + "\" is not valid");
}

template <class Int>
bool parse_uint(std::string_view text, Int& out) {
    if (text.empty() || text.size() > 5) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

std::uint8_t max_prefix_length(ip::address const& address) { return address.is_v4() ? 32 : 128; }

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
    auto slash = text.find('/');
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) return invalid("IP prefix", text);
    std::uint8_t length = max_prefix_length(address);
    if (slash != std::string_view::npos) {
        unsigned value = 0;
        if (!parse_uint(text.substr(slash + 1), value) || value > length) return invalid("IP prefix", text);
        length = static_cast<std::uint8_t>(value);
    }
    return IpPrefix{address, length};
}

IpPrefix IpPrefix::network() const {
    if (address.is_v4()) {
        auto net = ip::make_network_v4(address.to_v4(), length).network();
        return IpPrefix{net, length};
    }
    auto net = ip::make_network_v6(address.to_v6(), length).network();
    return IpPrefix{net, length};
}

std::string IpPrefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

Result<ip::udp::endpoint> parse_endpoint(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos) return invalid("endpoint", text);
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return invalid("endpoint", text);
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(host), ec);
    unsigned port_number = 0;
    if (ec || !parse_uint(port, port_number) || port_number == 0 || port_number > 65535)
        return invalid("endpoint", text);
    if (address.is_v6() && text.front() != '[') return invalid("endpoint", text);
    return ip::udp::endpoint(address, static_cast<unsigned short>(port_number));
}

std::string format_endpoint(ip::udp::endpoint const& endpoint) {
    auto address = endpoint.address();
    std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

} // namespace pvpn::net
