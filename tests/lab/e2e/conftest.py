"""pvpn's end-to-end tests: the lab fixtures (tests/lab/conftest.py) plus a pvpnd in the client."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pvpn_lab  # noqa: E402


@pytest.fixture
def pvpnd(lab):
    """A fresh pvpnd in pvl-client, configured for the lab's Proton (no account settings yet)."""
    d = pvpn_lab.fresh_pvpnd(lab)
    yield d
    try:
        pvpn_lab.pvpn("disconnect", "--ks", "false", check=False, timeout=30)
    finally:
        d.stop()
