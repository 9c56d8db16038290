"""SRP math against the official vectors, and the server side of the login."""
import base64

import pytest

import srp


def test_verifiers_match_all_official_vectors(vectors):
    checked = 0
    for v in vectors["verifier_vectors"]:
        modulus, salt = bytes.fromhex(v["Modulus"]), base64.b64decode(v["Salt"])
        if v["Exception"]:
            with pytest.raises(ValueError):
                srp.verifier(v["Password"], salt, modulus)
        else:
            got = base64.b64encode(srp.to_le(srp.verifier(v["Password"], salt, modulus))).decode()
            assert got == v["Verifier"], v["Username"]
        checked += 1
    assert checked == 12


def test_full_vector_server_side_with_fixed_b(vectors):
    t = vectors["full"]
    modulus = bytes.fromhex(t["ModulusHex"])
    srp.check_modulus(srp.from_le(modulus))
    assert srp.to_le(srp.multiplier(srp.from_le(modulus))).hex() == t["k_LE_hex"]
    v = srp.from_le(base64.b64decode(t["Verifier"]))
    assert v == srp.verifier(t["Password"], base64.b64decode(t["Salt"]), modulus)
    server = srp.ServerSession(modulus, v, b=srp.from_le(bytes.fromhex(t["server_secret_b_LE_hex"])))
    assert base64.b64encode(server.ephemeral()).decode() == t["ServerEphemeral_B"]
    m2 = server.verify(base64.b64decode(t["ClientEphemeral_A"]), base64.b64decode(t["ClientProof_M1"]))
    assert m2 is not None, "M1 of the official vector must be accepted"
    assert base64.b64encode(m2).decode() == t["ServerProof_M2"]


def test_full_vector_client_side(vectors):
    t = vectors["full"]
    modulus = bytes.fromhex(t["ModulusHex"])
    client = srp.ClientSession(modulus, a=srp.from_le(bytes.fromhex(t["client_secret_a_LE_hex"])))
    assert base64.b64encode(client.ephemeral()).decode() == t["ClientEphemeral_A"]
    m1 = client.proof(t["Password"], base64.b64decode(t["Salt"]), base64.b64decode(t["ServerEphemeral_B"]))
    assert base64.b64encode(m1).decode() == t["ClientProof_M1"]
    assert client.check_server(base64.b64decode(t["ServerProof_M2"]))


def test_wrong_proof_rejected(vectors):
    t = vectors["full"]
    modulus = bytes.fromhex(t["ModulusHex"])
    v = srp.from_le(base64.b64decode(t["Verifier"]))
    server = srp.ServerSession(modulus, v, b=srp.from_le(bytes.fromhex(t["server_secret_b_LE_hex"])))
    m1 = bytearray(base64.b64decode(t["ClientProof_M1"]))
    m1[0] ^= 1
    assert server.verify(base64.b64decode(t["ClientEphemeral_A"]), bytes(m1)) is None
    # a client with the wrong password is rejected too
    client = srp.ClientSession(modulus)
    proof = client.proof("wrong", base64.b64decode(t["Salt"]), server.ephemeral())
    assert server.verify(client.ephemeral(), proof) is None
    # A = 0 (mod N) is refused
    assert server.verify(srp.to_le(0), bytes(256)) is None


def test_random_login_roundtrip(vectors):
    t = vectors["full"]
    modulus, salt = bytes.fromhex(t["ModulusHex"]), base64.b64decode(t["Salt"])
    server = srp.ServerSession(modulus, srp.verifier("pw", salt, modulus))
    client = srp.ClientSession(modulus)
    m1 = client.proof("pw", salt, server.ephemeral())
    m2 = server.verify(client.ephemeral(), m1)
    assert m2 and client.check_server(m2)
