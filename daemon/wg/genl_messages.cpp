#include "daemon/wg/genl_messages.hpp"

#include "daemon/net/prefix.hpp"
#include "daemon/wg/key.hpp"

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <arpa/inet.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include <string.h>

namespace pvpn::wg {

namespace {

Error build_failed(std::string const& ifname) {
    return fail(Errc::internal, "cannot build the WireGuard netlink message for " + ifname);
}

bool put_endpoint(nl_msg* msg, std::string const& text, Error& error) {
    auto endpoint = net::parse_endpoint(text);
    if (!endpoint) {
        error = endpoint.error();
        return false;
    }
    if (endpoint->address().is_v4()) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(endpoint->port());
        auto bytes = endpoint->address().to_v4().to_bytes();
        std::memcpy(&sa.sin_addr, bytes.data(), bytes.size());
        return nla_put(msg, WGPEER_A_ENDPOINT, sizeof sa, &sa) == 0;
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(endpoint->port());
    auto bytes = endpoint->address().to_v6().to_bytes();
    std::memcpy(&sa.sin6_addr, bytes.data(), bytes.size());
    sa.sin6_scope_id = endpoint->address().to_v6().scope_id();
    return nla_put(msg, WGPEER_A_ENDPOINT, sizeof sa, &sa) == 0;
}

bool put_allowed_ip(nl_msg* msg, int index, net::IpPrefix const& prefix) {
    nlattr* nest = nla_nest_start(msg, index | NLA_F_NESTED);
    if (!nest) return false;
    bool ok;
    if (prefix.is_v4()) {
        auto bytes = prefix.address.to_v4().to_bytes();
        ok = nla_put_u16(msg, WGALLOWEDIP_A_FAMILY, AF_INET) == 0 &&
             nla_put(msg, WGALLOWEDIP_A_IPADDR, static_cast<int>(bytes.size()), bytes.data()) == 0;
    } else {
        auto bytes = prefix.address.to_v6().to_bytes();
        ok = nla_put_u16(msg, WGALLOWEDIP_A_FAMILY, AF_INET6) == 0 &&
             nla_put(msg, WGALLOWEDIP_A_IPADDR, static_cast<int>(bytes.size()), bytes.data()) == 0;
    }
    ok = ok && nla_put_u8(msg, WGALLOWEDIP_A_CIDR_MASK, prefix.length) == 0;
    return ok && nla_nest_end(msg, nest) == 0;
}

std::string endpoint_text(nlattr* attr) {
    auto len = static_cast<std::size_t>(nla_len(attr));
    auto const* data = nla_data(attr);
    if (len >= sizeof(sockaddr_in) && static_cast<sockaddr const*>(data)->sa_family == AF_INET) {
        sockaddr_in sa;
        std::memcpy(&sa, data, sizeof sa);
        boost::asio::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), &sa.sin_addr, b.size());
        return net::format_endpoint({boost::asio::ip::address_v4(b), ntohs(sa.sin_port)});
    }
    if (len >= sizeof(sockaddr_in6) && static_cast<sockaddr const*>(data)->sa_family == AF_INET6) {
        sockaddr_in6 sa;
        std::memcpy(&sa, data, sizeof sa);
        boost::asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &sa.sin6_addr, b.size());
        return net::format_endpoint({boost::asio::ip::address_v6(b, sa.sin6_scope_id), ntohs(sa.sin6_port)});
    }
    return {};
}

bool parse_peer(nlattr* nested, DeviceStatus& status) {
    nlattr* attrs[WGPEER_A_MAX + 1] = {};
    if (nla_parse_nested(attrs, WGPEER_A_MAX, nested, nullptr) < 0) return false;
    if (!attrs[WGPEER_A_PUBLIC_KEY] || nla_len(attrs[WGPEER_A_PUBLIC_KEY]) != WG_KEY_LEN) return false;
    RawKey key;
    std::memcpy(key.data(), nla_data(attrs[WGPEER_A_PUBLIC_KEY]), key.size());
    std::string public_key = encode_key(key);
    if (status.peers.empty() || status.peers.back().public_key != public_key)
        status.peers.push_back(PeerStatus{public_key, {}, 0, 0, 0});
    PeerStatus& peer = status.peers.back();
    if (attrs[WGPEER_A_ENDPOINT]) peer.endpoint = endpoint_text(attrs[WGPEER_A_ENDPOINT]);
    if (auto* t = attrs[WGPEER_A_LAST_HANDSHAKE_TIME]) {
        if (nla_len(t) != sizeof(__kernel_timespec)) return false;
        __kernel_timespec ts;
        std::memcpy(&ts, nla_data(t), sizeof ts);
        peer.last_handshake = ts.tv_sec;
    }
    if (auto* a = attrs[WGPEER_A_RX_BYTES]) {
        if (nla_len(a) != 8) return false;
        peer.rx_bytes = nla_get_u64(a);
    }
    if (auto* a = attrs[WGPEER_A_TX_BYTES]) {
        if (nla_len(a) != 8) return false;
        peer.tx_bytes = nla_get_u64(a);
    }
    return true;
}

} // namespace

Result<NlMsg> build_set_device(int family_id, std::string const& ifname, DeviceConfig const& config) {
    NlMsg msg(nlmsg_alloc());
    if (!msg) return build_failed(ifname);
    if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
                     WG_GENL_VERSION))
        return build_failed(ifname);
    bool ok = nla_put_string(msg.get(), WGDEVICE_A_IFNAME, ifname.c_str()) == 0;
    if (ok && !config.private_key.empty()) {
        auto key = decode_key(config.private_key, "private key");
        if (!key) return key.error();
        ok = nla_put(msg.get(), WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, key->data()) == 0;
        wipe_key(*key);
    }
    if (ok && config.fwmark) ok = nla_put_u32(msg.get(), WGDEVICE_A_FWMARK, *config.fwmark) == 0;
    if (ok && config.listen_port) ok = nla_put_u16(msg.get(), WGDEVICE_A_LISTEN_PORT, *config.listen_port) == 0;
    if (ok && config.replace_peers) ok = nla_put_u32(msg.get(), WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS) == 0;
    if (ok && !config.peers.empty()) {
        nlattr* peers = nla_nest_start(msg.get(), WGDEVICE_A_PEERS | NLA_F_NESTED);
        ok = peers != nullptr;
        int index = 0;
        for (auto const& peer : config.peers) {
            if (!ok) break;
            auto key = decode_key(peer.public_key, "peer public key");
            if (!key) return key.error();
            nlattr* nest = nla_nest_start(msg.get(), index++ | NLA_F_NESTED);
            ok = nest && nla_put(msg.get(), WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key->data()) == 0 &&
                 nla_put_u32(msg.get(), WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS) == 0 &&
                 nla_put_u16(msg.get(), WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, peer.persistent_keepalive) == 0;
            if (ok && !peer.endpoint.empty()) {
                Error error;
                ok = put_endpoint(msg.get(), peer.endpoint, error);
                if (!ok && !error.message.empty()) return error;
            }
            if (ok && !peer.allowed_ips.empty()) {
                nlattr* ips = nla_nest_start(msg.get(), WGPEER_A_ALLOWEDIPS | NLA_F_NESTED);
                ok = ips != nullptr;
                int ip_index = 0;
                for (auto const& text : peer.allowed_ips) {
                    if (!ok) break;
                    auto prefix = net::IpPrefix::parse(text);
                    if (!prefix) return prefix.error();
                    ok = put_allowed_ip(msg.get(), ip_index++, prefix->network());
                }
                ok = ok && nla_nest_end(msg.get(), ips) == 0;
            }
            ok = ok && nla_nest_end(msg.get(), nest) == 0;
        }
        ok = ok && nla_nest_end(msg.get(), peers) == 0;
    }
    if (!ok) {
        wipe_message(msg.get());
        return build_failed(ifname);
    }
    return msg;
}

Result<NlMsg> build_get_device(int family_id, std::string const& ifname) {
    NlMsg msg(nlmsg_alloc());
    if (!msg) return build_failed(ifname);
    if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, NLM_F_REQUEST | NLM_F_DUMP, WG_CMD_GET_DEVICE,
                     WG_GENL_VERSION) ||
        nla_put_string(msg.get(), WGDEVICE_A_IFNAME, ifname.c_str()) != 0)
        return build_failed(ifname);
    return msg;
}

bool parse_get_device(nlmsghdr const* message, DeviceStatus& status) {
    auto* hdr = const_cast<nlmsghdr*>(message);
    nlattr* attrs[WGDEVICE_A_MAX + 1] = {};
    if (genlmsg_parse(hdr, 0, attrs, WGDEVICE_A_MAX, nullptr) < 0) return false;
    if (auto* a = attrs[WGDEVICE_A_FWMARK]) {
        if (nla_len(a) != 4) return false;
        status.fwmark = nla_get_u32(a);
    }
    if (auto* a = attrs[WGDEVICE_A_LISTEN_PORT]) {
        if (nla_len(a) != 2) return false;
        status.listen_port = nla_get_u16(a);
    }
    if (auto* peers = attrs[WGDEVICE_A_PEERS]) {
        nlattr* peer;
        int remaining;
        nla_for_each_nested(peer, peers, remaining) {
            if (!parse_peer(peer, status)) return false;
        }
    }
    return true;
}

void wipe_message(nl_msg* message) noexcept {
    if (!message) return;
    nlmsghdr* hdr = nlmsg_hdr(message);
    ::explicit_bzero(hdr, hdr->nlmsg_len);
}

} // namespace pvpn::wg
