"""OpenPGP wire format (RFC 4880): ASCII armor with CRC-24, packet framing, MPIs, subpackets."""
import base64
import struct

CRC24_INIT = 0xB704CE
CRC24_POLY = 0x1864CFB


def crc24(data):
    crc = CRC24_INIT
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= CRC24_POLY
    return crc & 0xFFFFFF


def armor(kind, data, headers=()):
    lines = ["-----BEGIN PGP %s-----" % kind]
    lines += ["%s: %s" % h for h in headers]
    lines.append("")
    b64 = base64.b64encode(data).decode("ascii")
    lines += [b64[i:i + 64] for i in range(0, len(b64), 64)]
    lines.append("=" + base64.b64encode(crc24(data).to_bytes(3, "big")).decode("ascii"))
    lines.append("-----END PGP %s-----" % kind)
    return "\n".join(lines) + "\n"


def dearmor_lines(lines, kind):
    """lines: the armored block's lines from BEGIN to END inclusive. Returns the binary data."""
    lines = [l.rstrip("\r\n \t") for l in lines]
    if not lines or lines[0] != "-----BEGIN PGP %s-----" % kind or lines[-1] != "-----END PGP %s-----" % kind:
        raise ValueError("not an armored %s" % kind)
    body = lines[1:-1]
    try:
        blank = body.index("")
    except ValueError:
        raise ValueError("armor without a blank line after headers")
    for header in body[:blank]:
        if ": " not in header:
            raise ValueError("bad armor header")
    payload = body[blank + 1:]
    checksum = None
    if payload and payload[-1].startswith("="):
        checksum = payload.pop()
    try:
        data = base64.b64decode("".join(payload), validate=True)
    except ValueError:
        raise ValueError("bad base64 in armor")
    if checksum is not None and base64.b64decode(checksum[1:]) != crc24(data).to_bytes(3, "big"):
        raise ValueError("armor checksum mismatch")
    return data


def dearmor(text, kind):
    lines = text.strip().splitlines()
    return dearmor_lines(lines, kind)


def packet(tag, body):
    """New-format packet."""
    n = len(body)
    if n < 192:
        length = bytes([n])
    elif n < 8384:
        n -= 192
        length = bytes([(n >> 8) + 192, n & 0xFF])
    else:
        length = b"\xff" + struct.pack(">I", n)
    return bytes([0xC0 | tag]) + length + body


def parse_packets(data):
    """Yields (tag, body). Accepts old and new packet formats (no partial lengths)."""
    pos = 0
    while pos < len(data):
        first = data[pos]
        if not first & 0x80:
            raise ValueError("bad packet header")
        if first & 0x40:
            tag = first & 0x3F
            o = data[pos + 1]
            if o < 192:
                n, pos = o, pos + 2
            elif o < 224:
                n, pos = ((o - 192) << 8) + data[pos + 2] + 192, pos + 3
            elif o == 255:
                n, pos = struct.unpack(">I", data[pos + 2:pos + 6])[0], pos + 6
            else:
                raise ValueError("partial body lengths not supported")
        else:
            tag = (first >> 2) & 0x0F
            ltype = first & 3
            if ltype == 3:
                raise ValueError("indeterminate length not supported")
            size = 1 << ltype
            n = int.from_bytes(data[pos + 1:pos + 1 + size], "big")
            pos += 1 + size
        if pos + n > len(data):
            raise ValueError("truncated packet")
        yield tag, data[pos:pos + n]
        pos += n


def mpi(value):
    if isinstance(value, (bytes, bytearray)):
        value = int.from_bytes(value, "big")
    bits = value.bit_length()
    return struct.pack(">H", bits) + value.to_bytes((bits + 7) // 8, "big")


def read_mpi(data, pos):
    """Returns (bytes without the length prefix, new position)."""
    bits = struct.unpack(">H", data[pos:pos + 2])[0]
    n = (bits + 7) // 8
    if pos + 2 + n > len(data):
        raise ValueError("truncated MPI")
    return data[pos + 2:pos + 2 + n], pos + 2 + n


def subpacket(kind, body):
    n = len(body) + 1
    if n < 192:
        length = bytes([n])
    elif n < 8384:
        n -= 192
        length = bytes([(n >> 8) + 192, n & 0xFF])
    else:
        length = b"\xff" + struct.pack(">I", n)
    return length + bytes([kind]) + body


def parse_subpackets(data):
    """Yields (type without the critical bit, body)."""
    pos = 0
    while pos < len(data):
        o = data[pos]
        if o < 192:
            n, pos = o, pos + 1
        elif o < 255:
            n, pos = ((o - 192) << 8) + data[pos + 1] + 192, pos + 2
        else:
            n, pos = struct.unpack(">I", data[pos + 1:pos + 5])[0], pos + 5
        if n < 1 or pos + n > len(data):
            raise ValueError("bad subpacket")
        yield data[pos] & 0x7F, data[pos + 1:pos + n]
        pos += n
