"""The OpenPGP code: Proton's real signed modulus verifies with Proton's pinned key, a tampered one fails,
our key packet reproduces Proton's fingerprint, and gpg accepts what pki.py makes."""
import calendar
import os
import shutil
import subprocess
import tempfile

import pytest

import pgp
import pgp_packets

PROTON_KEY_RAW = bytes.fromhex("16ead65d7c234de9aa8c3ec25e35d5c8a7f4a1fee7f42b662fcbfd7a79338201")
PROTON_FPR = bytes.fromhex("248097092b458509c508dac0350585c4e9518f26")


def test_proton_signed_modulus_verifies_and_tampered_fails(vectors):
    key = pgp.PinnedKey(PROTON_KEY_RAW, PROTON_FPR)
    good, bad = vectors["signed_modulus_vectors"]
    assert pgp.verify_cleartext(good["SignedModulus"], key) == good["Decoded"]
    with pytest.raises(ValueError):
        pgp.verify_cleartext(bad["SignedModulus"], key)
    with pytest.raises(ValueError):  # data after the signature block
        pgp.verify_cleartext(good["SignedModulus"] + "trailing\n", key)
    other = pgp.SecretKey.generate().public
    with pytest.raises(ValueError):  # the right message, the wrong key
        pgp.verify_cleartext(good["SignedModulus"], other)


def test_our_key_packet_reproduces_protons_fingerprint():
    """Proton's key was made on 2018-11-30; find its creation second by hashing our packet encoding."""
    start = calendar.timegm((2018, 11, 30, 0, 0, 0))
    found = [t for t in range(start, start + 86400) if pgp.PublicKey(PROTON_KEY_RAW, t).fingerprint == PROTON_FPR]
    assert found, "our v4 EdDSA public-key packet must hash to Proton's fingerprint"


def test_crc24_known_value():
    assert pgp_packets.crc24(b"") == 0xB704CE


def test_pki_modulus_and_key(lab):
    key, uids = pgp.load_public_key(open(os.path.join(lab.state, "pki", "srp-modulus-key.asc")).read())
    assert uids
    text = pgp.verify_cleartext(open(os.path.join(lab.state, "pki", "modulus.asc")).read(), key)
    import base64
    import pki
    assert base64.b64decode(text) == bytes.fromhex(pki.LAB_MODULUS_HEX)
    secret = pgp.SecretKey.load(open(os.path.join(lab.state, "pki", "srp-modulus-key.secret")).read())
    assert secret.public.fingerprint == key.fingerprint


@pytest.fixture
def gnupg_home():
    if not shutil.which("gpg"):
        pytest.skip("gpg not installed")
    home = tempfile.mkdtemp(prefix="pvl-gpg-")
    yield home
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


def _gpg(home, *args, data=None):
    return subprocess.run(["gpg", "--homedir", home, "--batch", "--no-tty"] + list(args), input=data,
                          capture_output=True, text=True, timeout=60)


def test_gpg_accepts_lab_key_and_modulus(lab, gnupg_home):
    pki_dir = os.path.join(lab.state, "pki")
    r = _gpg(gnupg_home, "--import", os.path.join(pki_dir, "srp-modulus-key.asc"))
    assert r.returncode == 0, r.stderr
    r = _gpg(gnupg_home, "--status-fd", "1", "--verify", os.path.join(pki_dir, "modulus.asc"))
    assert r.returncode == 0 and "GOODSIG" in r.stdout, r.stderr


def test_gpg_signature_verified_by_our_code(gnupg_home):
    secret = pgp.SecretKey.generate()
    uid = "gpg interop <interop@lab.test>"
    r = _gpg(gnupg_home, "--import", data=secret.export_secret(uid))
    assert r.returncode == 0, r.stderr
    r = _gpg(gnupg_home, "--digest-algo", "SHA256", "--clearsign", data="c29tZSBtb2R1bHVz\n")
    assert r.returncode == 0, r.stderr
    assert pgp.verify_cleartext(r.stdout, secret.public) == "c29tZSBtb2R1bHVz"
