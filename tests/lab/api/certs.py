"""X.509 helpers for the lab PKI: CAs, TLS leaf certificates and Proton-style client certificates."""
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Proton's certificate extension arc: 1.3.6.1.4.1.56809.1 + ExtName (python-proton-vpn-api-core
# proton/vpn/session/certificates.py: "0.0.0" two-factor ... "0.1.3" port forwarding ...).
PROTON_ARC = "1.3.6.1.4.1.56809.1"
EXT = {
    "two-factor": "0.0.0", "user-tier": "0.0.1", "groups": "0.0.2", "platform": "0.0.3",
    "netshield-level": "0.1.0", "port-forwarding": "0.1.3", "jail": "0.1.5", "split-tcp": "0.1.6",
    "randomized-nat": "0.1.7", "bouncing": "0.1.8", "safe-mode": "0.1.9",
}
UTC = datetime.timezone.utc


def new_ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def _sign_hash(ca_key):
    return None if isinstance(ca_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _name(cn, org="Proton AG (pvpn lab)", unit=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def now():
    return datetime.datetime.now(UTC).replace(microsecond=0)


def make_ca(cn, key, years=10, unit=None):
    subject = _name(cn, unit=unit)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now() - datetime.timedelta(days=1))
               .not_valid_after(now() + datetime.timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
               .add_extension(ski, critical=False))
    return builder.sign(key, _sign_hash(key))


def make_leaf(ca_cert, ca_key, cn, public_key, dns=(), ips=(), server=True, not_before=None, not_after=None,
              extra_extensions=(), serial=None):
    not_before = not_before or now() - datetime.timedelta(days=1)
    not_after = not_after or now() + datetime.timedelta(days=825)
    eku = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_cert.subject)
               .public_key(public_key).serial_number(serial or x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    for oid, der in extra_extensions:
        builder = builder.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), der), critical=False)
    return builder.sign(ca_key, _sign_hash(ca_key))


# --- tiny DER encoders for the Proton extension values -------------------------------------------------
def _der(tag, body):
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    size = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + n.to_bytes(size, "big") + body


def der_int(value):
    value = int(value)
    return _der(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def der_str(value):
    return _der(0x04, value.encode("utf-8"))


def der_seq_of_str(values):
    return _der(0x30, b"".join(der_str(v) for v in values))


def proton_extensions(features, two_factor, tier, groups, platform):
    """features: kebab-case dict (netshield-level, port-forwarding, ...). Returns [(oid, der)]."""
    out = [(PROTON_ARC + "." + EXT["two-factor"], der_int(1 if two_factor else 0)),
           (PROTON_ARC + "." + EXT["user-tier"], der_int(tier)),
           (PROTON_ARC + "." + EXT["groups"], der_seq_of_str(groups))]
    if platform:
        out.append((PROTON_ARC + "." + EXT["platform"], der_str(platform)))
    for name in ("netshield-level", "port-forwarding", "jail", "split-tcp", "randomized-nat", "safe-mode"):
        if name in features:
            out.append((PROTON_ARC + "." + EXT[name], der_int(int(features[name]))))
    if features.get("bouncing"):
        out.append((PROTON_ARC + "." + EXT["bouncing"], der_str(str(features["bouncing"]))))
    return out


def read_proton_extensions(cert):
    """Inverse of proton_extensions for ints/strings (the local agent and tests use it)."""
    names = {PROTON_ARC + "." + v: k for k, v in EXT.items()}
    out = {}
    for ext in cert.extensions:
        name = names.get(ext.oid.dotted_string)
        if not name:
            continue
        raw = ext.value.value
        if raw[0] == 0x02:
            out[name] = int.from_bytes(raw[2:], "big", signed=True)
        elif raw[0] == 0x04:
            out[name] = raw[2:].decode("utf-8")
    return out


# --- files ----------------------------------------------------------------------------------------------
def pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_public(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def write_file(path, data, mode=0o644):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)
