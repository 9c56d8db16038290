// Human output of `pvpn`: status and list with full, partial and odd data.
#include "client/format.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>

using namespace pvpn::client;
namespace json = boost::json;

namespace {

constexpr std::int64_t now = 1764012400;

json::value full_status() {
    return json::parse(R"({
      "state": "connected", "since": 1764012220, "reason": "connected by user",
      "server": {"name": "CH#1", "country": "CH", "entry_country": "CH", "city": "Zurich",
                 "entry_ip": "203.0.113.2", "features": ["p2p", "streaming"], "load": 30},
      "tunnel": {"interface": "wgpch", "backend": "kernel", "address": "10.2.0.2/32",
                 "endpoint": "203.0.113.2:51820", "peer_public_key": "abc", "last_handshake": 1764012388,
                 "rx_bytes": 1572864, "tx_bytes": 2048},
      "dns": {"mode": "proton", "servers": ["10.2.0.1"], "backend": "resolv.conf"},
      "killswitch": {"enabled": true, "active": true, "mode": "connected", "allow_lan": true,
                     "rules": "nftables: table inet pvpn", "dropped_packets": 12},
      "port_forwarding": {"state": "active", "port": 51413, "protocols": ["udp", "tcp"], "expires_in": 42,
                          "last_renewal": 1764012390, "message": ""},
      "qbittorrent": {"enabled": true, "reachable": true, "listen_port": 51413, "in_sync": true,
                      "active_torrents": 2, "message": ""},
      "local_agent": {"state": "connected", "port_forwarding": true, "reason": null, "message": "",
                      "last_status": 1764012390},
      "monitor": {"state": "ok", "last_check": 1764012395, "last_rtt_ms": 41, "failures": 0,
                  "reconnects": 1, "last_reason": "handshake stale"},
      "warnings": ["qBittorrent is slow to answer"]
    })");
}

} // namespace

TEST_CASE("byte counts, durations and ages read naturally", "[format]") {
    CHECK(format_bytes(0) == "0 B");
    CHECK(format_bytes(1023) == "1023 B");
    CHECK(format_bytes(1024) == "1.0 KiB");
    CHECK(format_bytes(1536) == "1.5 KiB");
    CHECK(format_bytes(1572864) == "1.5 MiB");
    CHECK(format_bytes(3ull * 1024 * 1024 * 1024) == "3.00 GiB");
    CHECK(format_duration(42) == "42 s");
    CHECK(format_duration(119) == "119 s");
    CHECK(format_duration(300) == "5 min");
    CHECK(format_duration(3600 * 3 + 60 * 20) == "3 h 20 min");
    CHECK(format_duration(7200) == "2 h");
    CHECK(format_duration(86400 * 2 + 3600 * 4) == "2 d 4 h");
    CHECK(format_duration(-5) == "0 s");
    CHECK(format_ago(now - 12, now) == "12 s ago");
    CHECK(format_ago(0, now) == "never");
    CHECK(format_ago(now + 3, now) == "0 s ago");  // clock skew
}

TEST_CASE("a full status shows every part", "[format]") {
    auto text = format_status(full_status(), now);
    CHECK_THAT(text, Catch::Contains("State:        connected (for 3 min)"));
    CHECK_THAT(text, Catch::Contains("Reason:       connected by user"));
    CHECK_THAT(text, Catch::Contains("Server:       CH#1 (Zurich, CH), load 30%, p2p, streaming"));
    CHECK_THAT(text, Catch::Contains("Interface:    wgpch (kernel), address 10.2.0.2/32"));
    CHECK_THAT(text, Catch::Contains("Endpoint:     203.0.113.2:51820"));
    CHECK_THAT(text, Catch::Contains("Handshake:    12 s ago"));
    CHECK_THAT(text, Catch::Contains("Data:         in 1.5 MiB, out 2.0 KiB"));
    CHECK_THAT(text, Catch::Contains("DNS:          Proton 10.2.0.1 via resolv.conf"));
    CHECK_THAT(text, Catch::Contains("Kill-switch:  on, blocking traffic outside the tunnel, LAN allowed, 12 packets "
                                     "dropped (nftables: table inet pvpn)"));
    CHECK_THAT(text, Catch::Contains("Port forward: 51413 udp/tcp, expires in 42 s, renewed 10 s ago"));
    CHECK_THAT(text, Catch::Contains("Local agent:  connected, port forwarding on\n"));
    CHECK_THAT(text,
               Catch::Contains("qBittorrent:  listen port 51413 (the forwarded port), in sync, 2 active torrents"));
    CHECK_THAT(text, Catch::Contains("Monitor:      ok, RTT 41 ms, checked 5 s ago, 1 reconnects (last: handshake stale)"));
    CHECK_THAT(text, Catch::Contains("Warning:      qBittorrent is slow to answer"));
}

TEST_CASE("a reconnect waiting out its backoff shows when it tries next", "[format]") {
    auto status = json::parse(R"({"state": "reconnecting", "reason": "no answer from the gateway",
        "monitor": {"state": "backoff", "last_check": null, "last_rtt_ms": null, "failures": 3, "reconnects": 2,
                    "last_reason": "no WireGuard handshake with NL#2", "retry_rounds": 3,
                    "next_retry": 1764012412}})");
    auto text = format_status(status, now);
    CHECK_THAT(text, Catch::Contains("State:        reconnecting"));
    CHECK_THAT(text, Catch::Contains("Monitor:      backoff, 3 failed checks, 2 reconnects, next try in 12 s "
                                     "(3 failed rounds) (last: no WireGuard handshake with NL#2)"));
}

TEST_CASE("a disconnected status with nulls shows only what is known", "[format]") {
    auto status = json::parse(R"({"state": "disconnected", "since": 0, "reason": "", "server": null, "tunnel": null,
        "dns": {"mode": "system", "servers": [], "backend": null},
        "killswitch": {"enabled": false, "active": false, "allow_lan": true, "rules": "none"},
        "port_forwarding": {"state": "off"}, "qbittorrent": null, "monitor": null, "warnings": [],
        "local_agent": {"state": "off", "port_forwarding": null, "reason": null, "message": ""}})");
    auto text = format_status(status, now);
    CHECK(text == "State:        disconnected\n"
                  "DNS:          system (unchanged)\n"
                  "Kill-switch:  off\n"
                  "Port forward: off\n");
}

TEST_CASE("status survives missing, null and mistyped fields", "[format]") {
    CHECK(format_status(json::object{}, now) == "State:        unknown\n");
    CHECK(format_status(nullptr, now) == "State:        unknown\n");
    CHECK(format_status(json::array{1, 2}, now) == "State:        unknown\n");
    auto odd = json::parse(R"({"state": 7, "server": {"features": "p2p", "load": "high"},
        "tunnel": {"interface": "wgpus", "last_handshake": 0, "rx_bytes": 10},
        "killswitch": {"enabled": "yes"}, "port_forwarding": {"state": "unavailable", "message": "gateway refused"},
        "qbittorrent": {"enabled": true, "reachable": false, "message": "connection refused"},
        "monitor": {}, "warnings": [1, "real warning", null]})");
    auto text = format_status(odd, now);
    CHECK_THAT(text, Catch::Contains("State:        unknown"));
    CHECK_THAT(text, Catch::Contains("Server:       ?\n"));
    CHECK_THAT(text, Catch::Contains("Interface:    wgpus\n"));
    CHECK_THAT(text, Catch::Contains("Handshake:    never"));
    CHECK_THAT(text, Catch::Contains("Data:         in 10 B, out ?"));
    CHECK_THAT(text, !Catch::Contains("Kill-switch"));
    CHECK_THAT(text, Catch::Contains("Port forward: unavailable: gateway refused"));
    CHECK_THAT(text, Catch::Contains("qBittorrent:  not reachable, connection refused"));
    CHECK_THAT(text, Catch::Contains("Monitor:      ?"));
    CHECK_THAT(text, Catch::Contains("Warning:      real warning"));
    CHECK(format_status(json::parse(R"({"qbittorrent": {"enabled": false}})"), now).find("qBittorrent:  disabled") !=
          std::string::npos);
}

TEST_CASE("qBittorrent's port is compared with the forwarded one; the agent's reason shows in words", "[format]") {
    auto status = json::parse(R"({"state": "connected",
        "port_forwarding": {"state": "active", "port": 45111, "protocols": ["udp", "tcp"]},
        "local_agent": {"state": "connected", "port_forwarding": false,
                        "reason": {"code": 86153, "final": false, "text": "x"},
                        "message": "torrenting not allowed on this server: use --p2p"},
        "qbittorrent": {"enabled": true, "reachable": true, "listen_port": 6881, "in_sync": false}})");
    auto text = format_status(status, now);
    CHECK_THAT(text, Catch::Contains("Local agent:  connected, port forwarding off: torrenting not allowed on this "
                                     "server: use --p2p\n"));
    CHECK_THAT(text, Catch::Contains("qBittorrent:  listen port 6881 (forwarded: 45111), not in sync\n"));
    auto unreachable = json::parse(R"({"local_agent": {"state": "unreachable", "port_forwarding": null,
        "message": "cannot connect to the local agent at 10.2.0.1:65432: Connection refused"}})");
    CHECK_THAT(format_status(unreachable, now),
               Catch::Contains("Local agent:  unreachable: cannot connect to the local agent at 10.2.0.1:65432: "
                               "Connection refused\n"));
}

TEST_CASE("a Secure Core server shows its entry country", "[format]") {
    auto s = json::parse(R"({"state": "connected", "server": {"name": "IS-US#1", "country": "US",
        "entry_country": "IS", "city": "New York", "features": ["sc"], "load": 12}})");
    CHECK_THAT(format_status(s, now), Catch::Contains("IS-US#1 (New York, US via IS), load 12%, sc"));
}

TEST_CASE("the server list is a table with a latency column only when measured", "[format]") {
    auto by_score = json::parse(R"({"servers": [
        {"name": "CH#1", "country": "CH", "entry_country": "CH", "city": "Zurich", "load": 30, "score": 1.2,
         "tier": 2, "features": ["p2p"]},
        {"name": "IS-CH#2", "country": "CH", "entry_country": "IS", "city": "Zürich", "load": 5, "score": 1.5,
         "tier": 2, "features": ["sc", "p2p"]}], "total": 15123, "sorted_by": "score"})");
    auto text = format_list(by_score);
    CHECK(text == "NAME     COUNTRY    CITY    LOAD  FEATURES\n"
                  "CH#1     CH         Zurich   30%  p2p\n"
                  "IS-CH#2  CH via IS  Zürich    5%  sc,p2p\n"
                  "2 servers (of 15123), sorted by score\n");

    auto by_latency = json::parse(R"({"servers": [
        {"name": "DE#7", "country": "DE", "city": "Berlin", "load": 100, "features": [], "latency_ms": 12.34},
        {"name": "DE#8", "country": "DE", "load": null, "latency_ms": null}], "total": 2, "sorted_by": "latency"})");
    auto lat = format_list(by_latency);
    CHECK(lat == "NAME  COUNTRY  CITY    LOAD  FEATURES  LATENCY\n"
                 "DE#7  DE       Berlin  100%            12.3 ms\n"
                 "DE#8  DE\n"
                 "2 servers, sorted by latency\n");
}

TEST_CASE("an empty or malformed list says no server matches", "[format]") {
    CHECK(format_list(json::parse(R"({"servers": [], "total": 0})")) == "No server matches.\n");
    CHECK(format_list(json::object{}) == "No server matches.\n");
    CHECK(format_list(json::parse(R"({"servers": [1, "x", null]})")) == "No server matches.\n");
    auto one = format_list(json::parse(R"({"servers": [{"name": "X#1"}]})"));
    CHECK_THAT(one, Catch::EndsWith("1 server\n"));
}

TEST_CASE("15,000 servers format quickly", "[format]") {
    json::array servers;
    servers.reserve(15000);
    for (int i = 0; i < 15000; ++i)
        servers.push_back(json::object{{"name", "US-NY#" + std::to_string(i)},
                                       {"country", "US"},
                                       {"entry_country", "US"},
                                       {"city", "New York"},
                                       {"load", i % 100},
                                       {"features", json::array{"p2p", "streaming"}},
                                       {"latency_ms", 10.0 + i % 50}});
    json::value list = json::object{{"servers", std::move(servers)}, {"total", 15000}, {"sorted_by", "latency"}};
    auto start = std::chrono::steady_clock::now();
    auto text = format_list(list);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(std::count(text.begin(), text.end(), '\n') == 15002);
    CHECK(elapsed < std::chrono::milliseconds(500));
}

TEST_CASE("watch events are one line each", "[format]") {
    auto line = format_event(json::object{{"type", "state"}, {"time", now}, {"state", "connected"},
                                          {"reason", "handshake ok"}});
    CHECK(line.find('\n') == std::string::npos);
    CHECK_THAT(line, Catch::Matches(R"(\d\d:\d\d:\d\d state connected reason="handshake ok")"));
    CHECK(format_event(json::object{{"type", "config"}, {"changed", json::array{"network.ks_default"}}}) ==
          R"(config changed=["network.ks_default"])");
    CHECK(format_event(json::object{}) == "event");
    CHECK(format_event(json::object{{"type", "port"}, {"port", 51413}, {"expires_in", 60}}) ==
          "port 51413 expires_in=60");
}

TEST_CASE("init reports changed key names only", "[format]") {
    CHECK(format_changes(json::parse(R"({"path": "/root/.pvpn-cli/pvpn/config.ini",
                                         "changed": ["protonvpn.user", "protonvpn.pass"]})")) ==
          "Saved /root/.pvpn-cli/pvpn/config.ini. Changed: protonvpn.user, protonvpn.pass.\n");
    CHECK(format_changes(json::parse(R"({"path": "/c/config.ini", "changed": []})")) ==
          "No changes to /c/config.ini.\n");
}
