"""Ed25519 verification by keydir's strict rule (record-format.md, "Ed25519
rule"), in pure Python so that no library's own policy decides:

1. A and R are canonical encodings: y (low 255 bits) < p, and the sign bit
   is not set when x = 0;
2. neither A nor R is one of the eight points of small order;
3. S < L;
4. A and R decode to curve points and [S]B = R + [k]A (cofactorless),
   k = SHA-512(R || A || M) mod L.
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

# The spec's list, as written in record-format.md "Ed25519 rule".
_ID = bytes.fromhex('01' + '00' * 31)
_ECFF = bytes.fromhex('ec' + 'ff' * 30 + '7f')
_ZERO = bytes(32)
_ZERO80 = bytes(31) + b'\x80'
_P26 = bytes.fromhex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')
_PC7 = bytes.fromhex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
SMALL_ORDER_ENCODINGS = frozenset({
    _ID, _ECFF, _ZERO, _ZERO80,
    _P26, _P26[:31] + b'\x85',
    _PC7, _PC7[:31] + b'\xfa',
})


def _inv(x: int) -> int:
    return pow(x, P - 2, P)


def decode_point(s: bytes):
    """Returns an extended point (X, Y, Z, T), or None when s is not a
    canonical encoding of a curve point."""
    if len(s) != 32:
        return None
    y = int.from_bytes(s, 'little') & ((1 << 255) - 1)
    sign = s[31] >> 7
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x2 = u * _inv(v) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x == 0 and sign:
        return None
    if (x & 1) != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def encode_point(pt) -> bytes:
    X, Y, Z, _ = pt
    zi = _inv(Z)
    x, y = X * zi % P, Y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, 'little')


def point_add(p1, p2):
    X1, Y1, Z1, T1 = p1
    X2, Y2, Z2, T2 = p2
    A = (Y1 - X1) * (Y2 - X2) % P
    B = (Y1 + X1) * (Y2 + X2) % P
    C = 2 * D * T1 * T2 % P
    Dd = 2 * Z1 * Z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def scalar_mult(k: int, pt):
    q = (0, 1, 1, 0)
    while k:
        if k & 1:
            q = point_add(q, pt)
        pt = point_add(pt, pt)
        k >>= 1
    return q


def point_equal(p1, p2) -> bool:
    X1, Y1, Z1, _ = p1
    X2, Y2, Z2, _ = p2
    return (X1 * Z2 - X2 * Z1) % P == 0 and (Y1 * Z2 - Y2 * Z1) % P == 0


_By = 4 * _inv(5) % P
BASE = decode_point(_By.to_bytes(32, 'little'))
IDENTITY = (0, 1, 1, 0)


def verify_strict(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    R_enc, S_enc = signature[:32], signature[32:]
    A = decode_point(public_key)
    R = decode_point(R_enc)
    if A is None or R is None:  # rules 1 and 4 (not on the curve)
        return False
    if public_key in SMALL_ORDER_ENCODINGS or R_enc in SMALL_ORDER_ENCODINGS:  # rule 2
        return False
    S = int.from_bytes(S_enc, 'little')
    if S >= L:  # rule 3
        return False
    k = int.from_bytes(hashlib.sha512(R_enc + public_key + message).digest(), 'little') % L
    return point_equal(scalar_mult(S, BASE), point_add(R, scalar_mult(k, A)))


def small_order_points():
    """Every multiple of every point in the spec's list that has order
    dividing 8, as canonical encodings. The 8-torsion is cyclic, so if the
    list is right this gives back exactly the list (a self-test)."""
    found = set()
    for enc in SMALL_ORDER_ENCODINGS:
        pt = decode_point(enc)
        if pt is not None and point_equal(scalar_mult(8, pt), IDENTITY):
            for i in range(8):
                found.add(encode_point(scalar_mult(i, pt)))
    return found
