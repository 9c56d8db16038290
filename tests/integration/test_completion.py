"""bash completion for pvpn (completion/pvpn.bash): commands, every flag the client knows, and values."""
import json
import os
import re
import subprocess

import pytest

from conftest import binary

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "completion", "pvpn.bash")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def complete(line, env_extra=None):
    """The candidates bash offers for `line` (the cursor at its end)."""
    if not os.path.exists(BASH_COMPLETION):
        pytest.skip("bash-completion is not installed")
    words = line.split(" ")
    script = ('source %s; source %s; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; COMP_POINT=${#COMP_LINE}; '
              '_pvpn; printf "%%s\\n" "${COMPREPLY[@]}"' % (
                  BASH_COMPLETION, SCRIPT, " ".join("'%s'" % w for w in words), len(words) - 1, json.dumps(line)))
    env = dict(os.environ)
    env.update(env_extra or {})
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0, r.stderr
    return set(w for w in r.stdout.split("\n") if w)


def client_flags(command):
    """The long options `pvpn COMMAND --help` lists."""
    r = subprocess.run([binary("pvpn"), command, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return set(re.findall(r"(?<![\w-])--[a-z0-9][a-z0-9-]*", r.stdout))


def test_commands_and_aliases():
    assert {"init", "connect", "c", "disconnect", "d", "status", "s", "list"} <= complete("pvpn ")
    assert complete("pvpn dis") == {"disconnect"}


@pytest.mark.parametrize("command", ["init", "connect", "disconnect", "status", "list"])
def test_every_flag_of_the_client_is_offered(command):
    offered = complete("pvpn %s --" % command)
    missing = client_flags(command) - offered - {"--socket", "--version"}
    assert not missing, "completion lacks %s for %s" % (sorted(missing), command)
    # And nothing the client would refuse for this command.
    assert offered - client_flags(command) <= {"--help", "--json", "--verbose"}


def test_values_of_flags():
    assert complete("pvpn connect --fastest ") == {"ping", "api"}
    assert complete("pvpn disconnect --ks ") == {"true", "false"}
    assert {"CH", "US", "NL", "SE"} <= complete("pvpn connect --cc ")
    assert complete("pvpn list -c c") == {"CA", "CH", "CL", "CO", "CR", "CY", "CZ"}


def test_country_codes_come_from_the_cached_server_list(tmp_path):
    cache = tmp_path / "servers.json"
    cache.write_text(json.dumps({"LogicalServers": [{"ExitCountry": "IS"}, {"ExitCountry": "ch"},
                                                    {"ExitCountry": "IS"}]}, separators=(",", ":")))
    assert complete("pvpn connect --cc ", {"PVPN_SERVER_CACHE": str(cache)}) == {"CH", "IS"}
