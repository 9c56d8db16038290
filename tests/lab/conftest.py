"""The lab for pytest: brought up once per test session, reset before each test, down at the end.

Both the lab's self-tests (selftest/) and pvpn's end-to-end tests (e2e/) use it, in one pytest run,
so the whole suite shares one lab. They need root (namespaces, wireguard-go); as another user every
lab test is skipped. The API stand-in's loopback tests (api/) need neither root nor the lab.
"""
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import labtools  # noqa: E402
import session  # noqa: E402

LAB_DIRS = (os.path.join(HERE, "selftest"), os.path.join(HERE, "e2e"))


def pytest_collection_modifyitems(config, items):
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="lab tests need root (network namespaces)")
    for item in items:
        if str(item.fspath).startswith(LAB_DIRS):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def lab_session():
    """The lab, up for this session; other test sessions on the machine wait (session.py)."""
    fd = session.acquire(on_wait=lambda: print("\nwaiting for another lab test session..."))
    try:
        labtools.lab("up", timeout=120)
        yield
        labtools.lab("down", timeout=60)
    finally:
        session.release(fd)


@pytest.fixture
def lab(lab_session):
    """lab.json of a lab in its just-up state."""
    labtools.lab("reset", timeout=60)
    with open(os.path.join(labtools.STATE, "lab.json")) as f:
        return json.load(f)
