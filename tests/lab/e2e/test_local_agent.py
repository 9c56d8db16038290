"""Issue 6: the local agent, the way Proton's Linux app enables port forwarding.

What the server saw is read from the lab agent's own state file (grants/agent-<slug>.json), and what the
user sees from `pvpn status`; pvpnd's log is never the evidence.
"""
import json
import os
import time

import labtools
import proc
from labtools import STATE, client
from pvpn_lab import init_lab_account, pvpn, status


def server(lab, name):
    return next(s for s in lab["servers"] if s["name"] == name)


def grant(srv):
    """The lab agent's record of the last features-set it applied for server srv (None before any)."""
    try:
        with open(os.path.join(STATE, "grants", "agent-%s.json" % srv["slug"])) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait(pred, timeout, what):
    """Polls pred() every 0.1 s until it returns something true; returns that."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for %s; status:\n%s" % (what, json.dumps(status(), indent=1)))
        time.sleep(0.1)


def agent_state(want):
    def check():
        st = status()
        return st if st["local_agent"]["state"] == want else None
    return check


def client_wg_public_key(ifname):
    return client("wg", "show", ifname, "public-key").stdout.strip()


def test_agent_gets_features_set_and_grants_port_forwarding(lab, pvpnd):
    # NAT-PMP on CH#1 now answers only a key whose local agent session asked for port forwarding.
    labtools.lab("knob", "pf_grant_mode", "agent")
    init_lab_account(lab)
    ch = server(lab, "CH#1")
    assert grant(ch) is None
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")

    seen = wait(lambda: grant(ch), 10, "the agent to receive features-set")
    assert seen["pf"] is True
    assert seen["features"]["port-forwarding"] is True
    assert seen["x25519"] == client_wg_public_key("wgpch"), "the agent session is not this tunnel's key"

    st = wait(agent_state("connected"), 10, "the agent session")
    assert st["local_agent"]["port_forwarding"] is True
    assert st["local_agent"]["reason"] is None
    st = wait(lambda: status()["port_forwarding"]["state"] == "active" and status(), 15, "the agent-granted port")
    assert st["port_forwarding"]["port"] == ch["natpmp_default_port"]
    assert "Local agent:  connected, port forwarding on" in pvpn("status").stdout


def test_non_p2p_server_answers_with_a_reason_shown_in_words(lab, pvpnd):
    init_lab_account(lab)
    us = server(lab, "US#3")
    pvpn("connect", "--cc", "US", "--fastest", "api")
    seen = wait(lambda: grant(us), 10, "the agent to receive features-set")
    assert seen["pf"] is False  # the server refused it
    st = wait(lambda: status()["local_agent"]["reason"] and status(), 10, "the agent's reason")
    assert st["local_agent"]["reason"]["code"] == 86153
    assert st["local_agent"]["port_forwarding"] is False
    assert st["state"] == "connected"
    human = pvpn("status").stdout
    assert "torrenting not allowed on this server: use --p2p" in human
    assert labtools.whoami("pvl-client", lab["behind_ip"], timeout=5)


def test_a_restriction_from_the_agent_is_a_warning_in_words(lab, pvpnd):
    ch = server(lab, "CH#1")
    labtools.lab("knob", "servers.%s.agent_reason" % ch["slug"], "86113")
    labtools.lab("knob", "servers.%s.agent_state" % ch["slug"], "hard-jailed")
    init_lab_account(lab)
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    st = wait(agent_state("hard-jailed"), 10, "the agent's restriction")
    assert st["local_agent"]["reason"]["code"] == 86113
    words = "too many VPN sessions for the Plus plan: disconnect another device"
    assert any(words in w for w in st["warnings"])
    human = pvpn("status").stdout
    assert "Local agent:  hard-jailed" in human and words in human


def test_agent_session_is_renewed_with_every_new_certificate(lab, pvpnd):
    # RefreshTime = issue + ttl/2: pvpnd renews the certificate about 15 s after connecting.
    labtools.lab("knob", "cert_ttl", "30")
    init_lab_account(lab)
    ch = server(lab, "CH#1")
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    first = wait(lambda: grant(ch), 10, "the first agent session")
    renewed = wait(lambda: (grant(ch) or {}).get("cert_expires", 0) > first["cert_expires"] and grant(ch), 40,
                   "an agent session with the renewed certificate")
    assert renewed["pf"] is True
    assert renewed["x25519"] == first["x25519"]  # same device key, new certificate
    assert wait(agent_state("connected"), 10, "the agent session after the renewal")


def test_server_without_an_agent_still_connects_and_forwards(lab, pvpnd):
    ch = server(lab, "CH#1")
    proc.stop(proc.Dirs(STATE), ["agent-" + ch["slug"]], timeout=5)
    init_lab_account(lab)
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    st = wait(lambda: status()["port_forwarding"]["state"] == "active" and status(), 15, "port forwarding")
    assert st["state"] == "connected"
    st = wait(agent_state("unreachable"), 15, "the agent to be reported unreachable")
    assert "10.2.0.1:65432" in st["local_agent"]["message"]
    assert not any("agent" in w for w in st["warnings"])
    assert labtools.whoami("pvl-client", lab["behind_ip"], timeout=5)
    assert "Local agent:  unreachable" in pvpn("status").stdout
