"""Small primitives: byte-string notation, ML-DSA-65 verification, the
ML-KEM-768 key check, X25519 key rules, PeerIds.

Notation from record-format.md: u16/u64 big-endian, lp(b) = u16(len b) || b,
domain(s) = ASCII(s) || 0x00.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa

ML_DSA_PK = 1952
ML_DSA_SIG = 3309
ML_KEM_PK = 1184
ED25519_MH_PREFIX = bytes.fromhex('0024080112' '20')
P25519 = 2**255 - 19


def u8(x: int) -> bytes:
    return x.to_bytes(1, 'big')


def u16(x: int) -> bytes:
    return x.to_bytes(2, 'big')


def u64(x: int) -> bytes:
    return x.to_bytes(8, 'big')


def lp(b: bytes) -> bytes:
    return u16(len(b)) + b


def domain(s: str) -> bytes:
    return s.encode('ascii') + b'\x00'


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def mldsa65_verify(public_key: bytes, message: bytes, signature: bytes, context: str) -> bool:
    """FIPS 204 ML-DSA-65, pure, with a context string."""
    if len(public_key) != ML_DSA_PK or len(signature) != ML_DSA_SIG:
        return False
    try:
        pk = mldsa.MLDSA65PublicKey.from_public_bytes(public_key)
        pk.verify(signature, message, context.encode('ascii'))
        return True
    except (InvalidSignature, ValueError):
        return False


def mlkem768_key_ok(key: bytes) -> bool:
    """record-format.md "ML-KEM-768 key check": the first 1152 bytes as 768
    12-bit little-endian coefficients, each below q = 3329."""
    for i in range(0, 1152, 3):
        b0, b1, b2 = key[i], key[i + 1], key[i + 2]
        if (b0 | (b1 & 0x0F) << 8) >= 3329 or (b1 >> 4 | b2 << 4) >= 3329:
            return False
    return True


X25519_SMALL_ORDER = frozenset({
    0, 1, P25519 - 1,
    int.from_bytes(bytes.fromhex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), 'little'),
    int.from_bytes(bytes.fromhex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'), 'little'),
})


def x25519_canonical(key: bytes) -> bool:
    u = int.from_bytes(key, 'little')
    return u < P25519  # implies the top bit is clear


def x25519_small_order(key: bytes) -> bool:
    return int.from_bytes(key, 'little') in X25519_SMALL_ORDER


def is_ed25519_peer_id(mh: bytes) -> bool:
    """record-format.md "PeerIds": identity multihash 0x00 0x24 0x08 0x01
    0x12 0x20 || key, 38 bytes."""
    return len(mh) == 38 and mh[:6] == ED25519_MH_PREFIX


def ed25519_key_of(mh: bytes) -> bytes:
    return mh[6:]


# --- PeerId strings (base58btc of the multihash, libp2p's legacy form) -----

_B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'


def b58decode(s: str) -> bytes:
    n = 0
    for c in s:
        n = n * 58 + _B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big') if n else b''
    pad = len(s) - len(s.lstrip('1'))
    return b'\x00' * pad + body


def b58encode(b: bytes) -> str:
    n = int.from_bytes(b, 'big')
    out = ''
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    pad = len(b) - len(b.lstrip(b'\x00'))
    return '1' * pad + out


def peer_id_mh(peer_id: str) -> bytes:
    return b58decode(peer_id)


def read_uvarint(b: bytes, pos: int):
    n = shift = 0
    while True:
        if pos >= len(b) or shift > 63:
            return None, pos
        c = b[pos]
        pos += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return n, pos


def parse_routing_key(key: bytes):
    """record-format.md "DHT key": "/pqk/" || peerIdMultihash. Returns the
    bytes after "/pqk/", or None when the key does not start with those five
    bytes followed by at least one byte (ERR_BAD_ROUTING_KEY). What follows
    "/pqk/" is not parsed, only compared (validation step 10)."""
    if not key.startswith(b'/pqk/') or len(key) == 5:
        return None
    return key[5:]
