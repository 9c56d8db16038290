"""Server list, loads, account, client config, location, and the fault-injection knobs."""
import json
import time

import pytest

import labstate

LOGICAL_FIELDS = {"ID", "Name", "EntryCountry", "ExitCountry", "HostCountry", "Domain", "Tier", "Features",
                  "Status", "Load", "Score", "City", "Region", "State", "Location", "Servers"}
PHYSICAL_FIELDS = {"ID", "EntryIP", "ExitIP", "Domain", "Status", "Label", "X25519PublicKey", "Generation"}


@pytest.fixture(scope="module")
def session(lab):
    return lab.login()


def test_logicals_shape_and_size(lab, session):
    r = session.call("GET", "/vpn/v1/logicals?SecureCoreFilter=all")
    servers = r["LogicalServers"]
    assert len(servers) >= 15000
    assert len({s["Name"] for s in servers}) == len(servers)
    for s in servers[:50] + servers[-50:]:
        assert LOGICAL_FIELDS <= set(s)
        for p in s["Servers"]:
            assert PHYSICAL_FIELDS <= set(p)
    countries = {s["ExitCountry"] for s in servers}
    assert len(countries) > 40
    assert {0, 2} <= {s["Tier"] for s in servers}
    assert any(s["Status"] == 0 for s in servers)
    generated = [s for s in servers if s["Name"] not in {x["name"] for x in lab.lab["servers"]}]
    assert all(p["EntryIP"].startswith("203.0.113.") and int(p["EntryIP"].split(".")[3]) >= 128
               for s in generated for p in s["Servers"])
    assert min(s["Score"] for s in generated) > max(x["score"] for x in lab.lab["servers"])


def test_lab_servers_in_list(lab, session):
    by_name = {s["Name"]: s for s in session.call("GET", "/vpn/v1/logicals?SecureCoreFilter=all")["LogicalServers"]}
    for x in lab.lab["servers"]:
        s = by_name[x["name"]]
        assert (s["EntryCountry"], s["ExitCountry"], s["Features"], s["Tier"]) == \
               (x["entry_country"], x["exit_country"], x["features"], x["tier"])
        p = s["Servers"][0]
        assert (p["EntryIP"], p["ExitIP"], p["Domain"], p["X25519PublicKey"], p["Status"]) == \
               (x["entry_ip"], x["exit_ip"], x["domain"], x["wg_pubkey"], 1)


def test_secure_core_filter(session):
    plain = session.call("GET", "/vpn/logicals")["LogicalServers"]
    sc = session.call("GET", "/vpn/v1/logicals?SecureCoreFilter=SecureCore")["LogicalServers"]
    assert plain and sc
    assert not any(s["Features"] & 1 for s in plain)
    assert all(s["Features"] & 1 for s in sc)
    assert any(s["Name"] == "CH-SE#1" for s in sc)


def test_if_modified_since_and_gzip(lab, session):
    status, headers, _ = session.raw("GET", "/vpn/v1/logicals?SecureCoreFilter=all")
    assert status == 200 and headers["last-modified"]
    status, _, body = session.raw("GET", "/vpn/v1/logicals?SecureCoreFilter=all",
                                  headers={"If-Modified-Since": headers["last-modified"]})
    assert status == 304 and body == b""
    status, h2, body = session.raw("GET", "/vpn/v1/logicals?SecureCoreFilter=all",
                                   headers={"Accept-Encoding": "gzip"})
    assert status == 200 and h2["content-encoding"] == "gzip" and len(body["LogicalServers"]) >= 15000
    # a server knob changes the list: new Last-Modified, and the old date no longer gives 304
    time.sleep(1.1)
    lab.knobs(servers={"s1": {"status": 0, "load": 99}})
    status, h3, body = session.raw("GET", "/vpn/v1/logicals?SecureCoreFilter=all",
                                   headers={"If-Modified-Since": headers["last-modified"]})
    assert status == 200 and h3["last-modified"] != headers["last-modified"]
    ch1 = next(s for s in body["LogicalServers"] if s["Name"] == "CH#1")
    assert ch1["Status"] == 0 and ch1["Load"] == 99 and ch1["Servers"][0]["Status"] == 0


def test_loads(lab, session):
    r = session.call("GET", "/vpn/v1/loads")
    assert len(r["LogicalServers"]) >= 15000
    assert set(r["LogicalServers"][0]) == {"ID", "Load", "Score", "Status"}
    assert session.call("GET", "/vpn/loads")["LogicalServers"]


def test_lookup(session):
    r = session.call("GET", "/vpn/v1/logicals/lookup/CH%231")
    assert r["LogicalServer"]["Name"] == "CH#1"


def test_account_clientconfig_location_ping(lab, session):
    assert session.call("GET", "/vpn")["VPN"]["MaxTier"] == 2
    cfg = session.call("GET", "/vpn/v2/clientconfig")
    assert 51820 in cfg["DefaultPorts"]["WireGuard"]["UDP"] and cfg["FeatureFlags"]["PortForwarding"]
    loc = session.call("GET", "/vpn/v1/location")
    assert loc["IP"] == "127.0.0.1" and loc["Country"] == labstate.HOME_COUNTRY and loc["ISP"]
    assert session.call("GET", "/tests/ping")["Code"] == 1000
    assert session.call("GET", "/vpn/v1/sessions")["Sessions"]


def test_http_500(lab, session):
    lab.knobs(http_500=True)
    assert session.raw("GET", "/vpn/v2")[0] == 500


def test_truncated_json(lab, session):
    lab.knobs(truncated_json=True)
    status, headers, body = session.raw("GET", "/vpn/v2")
    assert status == 200 and isinstance(body, bytes)
    with pytest.raises(ValueError):
        json.loads(body)


def test_slow_body(lab, session):
    lab.knobs(slow_body_ms=700)
    t = time.monotonic()
    assert session.call("GET", "/vpn/v2")["Code"] == 1000
    assert time.monotonic() - t >= 0.7
