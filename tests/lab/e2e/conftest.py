"""pvpn's end-to-end tests: the lab fixtures (tests/lab/conftest.py) plus a pvpnd in the client."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pvpn_lab  # noqa: E402


@pytest.fixture
def pvpnd(lab):
    """A fresh pvpnd in pvl-client, configured for the lab's Proton (no account settings yet)."""
    for d in (pvpn_lab.CONFIG_DIR, pvpn_lab.RUN_DIR):
        if os.path.isdir(d):
            for root, dirs, files in os.walk(d, topdown=False):
                for f in files:
                    os.unlink(os.path.join(root, f))
                for x in dirs:
                    os.rmdir(os.path.join(root, x))
    if os.path.exists(pvpn_lab.RESOLV_BACKUP):
        os.unlink(pvpn_lab.RESOLV_BACKUP)
    pvpn_lab.write_lab_config(lab)
    d = pvpn_lab.Pvpnd().start()
    yield d
    try:
        pvpn_lab.pvpn("disconnect", "--ks", "false", check=False, timeout=30)
    finally:
        d.stop()
