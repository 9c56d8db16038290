import base64

import totp

SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_rfc6238_sha1_vectors_last_six_digits():
    for t, code in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")):
        assert totp.code_at(SECRET, t) == code[-6:]


def test_window_of_one_step():
    t = 1234567890
    assert totp.check(SECRET, totp.code_at(SECRET, t - 30), when=t)
    assert totp.check(SECRET, totp.code_at(SECRET, t + 30), when=t)
    assert not totp.check(SECRET, totp.code_at(SECRET, t + 90), when=t)
    assert not totp.check(SECRET, "12345", when=t)
