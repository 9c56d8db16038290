"""Lab self-tests: the fixtures live in tests/lab/conftest.py (shared with pvpn's e2e tests)."""
