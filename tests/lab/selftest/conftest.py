"""Lab self-tests: bring the lab up once per session, reset it before each test, down at the end.

They need root (namespaces, wireguard-go); as another user every test is skipped.
"""
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import labtools  # noqa: E402
import session  # noqa: E402


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="the lab self-tests need root (network namespaces)")
        for item in items:
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
