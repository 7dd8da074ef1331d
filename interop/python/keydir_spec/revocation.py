"""RevocationCertificate, from record-format.md "Revocation certificate"
(fields, "Revocation bytes", "Validation order", the pin rules and
"Selection")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import ed25519
from .prims import (ML_DSA_PK, ML_DSA_SIG, domain, ed25519_key_of,
                    is_ed25519_peer_id, lp, mldsa65_verify, parse_routing_key,
                    sha256, u8, u64)
from .record import CTX_ROTATION, ROTATION_PROOF, rotation_bytes
from .wire import (Field, Malformed, NotCanonical, enc_bytes, enc_message, enc_uint,
                   walk)

MAX_REVOCATION_BYTES = 10 * 1024
CTX_REVOCATION = 'keydir/revocation/v1'
TAG = b'\x82\x01'
MAX_SAFE = 2**53 - 1
SKEW_MS = 300_000

REVOCATION = {
    16: Field('peer_id', 'bytes'),
    17: Field('ml_dsa_public_key', 'bytes'),
    18: Field('issued_at', 'uint64'),
    19: Field('reason', 'uint32'),
    20: Field('rotation', 'message', schema=ROTATION_PROOF),
    21: Field('libp2p_signature', 'bytes'),
    22: Field('ml_dsa_signature', 'bytes'),
}


class RevocationError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


@dataclass
class Revocation:
    raw: bytes
    peer_id: bytes
    ml_dsa_public_key: bytes
    issued_at: int
    reason: int
    rotation: Optional[tuple]
    libp2p_signature: bytes
    ml_dsa_signature: bytes

    def signed_bytes(self) -> bytes:
        out = (domain(CTX_REVOCATION) + lp(self.peer_id) + lp(self.ml_dsa_public_key)
               + u64(self.issued_at) + u8(self.reason))
        if self.rotation is None:
            return out + b'\x00'
        return out + b'\x01' + lp(self.rotation[0]) + lp(self.rotation[1])

    def encode(self) -> bytes:
        """The canonical encoding: used to check a vector's `fields`, not
        in validation (the wire form decides canonical there)."""
        out = enc_bytes(16, self.peer_id) + enc_bytes(17, self.ml_dsa_public_key)
        out += enc_uint(18, self.issued_at) + enc_uint(19, self.reason)
        if self.rotation is not None:
            out += enc_message(20, enc_bytes(1, self.rotation[0]) + enc_bytes(2, self.rotation[1]))
        return out + enc_bytes(21, self.libp2p_signature) + enc_bytes(22, self.ml_dsa_signature)


def _in_hole(v: int) -> bool:
    return 2**31 <= v <= 2**32 - 1


def validate_revocation(raw: bytes, now: Optional[int], *, expected_peer: Optional[bytes] = None,
                        routing_key: Optional[bytes] = None) -> Revocation:
    """The validation order, cheapest first. now None skips the issue-time
    rule (not used by the vectors)."""
    if len(raw) > MAX_REVOCATION_BYTES:
        raise RevocationError('ERR_REVOCATION_TOO_LARGE')
    if raw[:2] != TAG:
        raise RevocationError('ERR_REVOCATION_MALFORMED', 'does not start 0x82 0x01')
    try:
        w = walk(raw, REVOCATION, 'RevocationCertificate')
    except Malformed as e:
        raise RevocationError('ERR_REVOCATION_MALFORMED', str(e))
    except NotCanonical as e:
        raise RevocationError('ERR_REVOCATION_NOT_CANONICAL', str(e))
    peer_id = w.one(16, b'')
    if not is_ed25519_peer_id(peer_id):
        raise RevocationError('ERR_REVOCATION_BAD_PEER_ID')
    # lengths, in this order: 17, then 21, 22, then field 20's two
    key = w.one(17, b'')
    if len(key) != ML_DSA_PK:
        raise RevocationError('ERR_REVOCATION_BAD_KEY_LENGTH')
    s21, s22 = w.one(21, b''), w.one(22, b'')
    if len(s21) != 64:
        raise RevocationError('ERR_REVOCATION_BAD_SIGNATURE_LENGTH', f'field 21 of {len(s21)} bytes')
    if len(s22) != ML_DSA_SIG:
        raise RevocationError('ERR_REVOCATION_BAD_SIGNATURE_LENGTH', f'field 22 of {len(s22)} bytes')
    rotation = None
    if w.has(20):
        rp = w.one(20)
        pf, sig = rp.one(1, b''), rp.one(2, b'')
        if len(pf) != 32 or len(sig) != ML_DSA_SIG:
            raise RevocationError('ERR_REVOCATION_BAD_ROTATION_PROOF')
        rotation = (pf, sig)
    # ranges, issued_at then reason (an absent issued_at reads as 0)
    issued, reason = w.one(18, 0), w.one(19, 0)
    if issued == 0 or issued > MAX_SAFE or _in_hole(issued):
        raise RevocationError('ERR_REVOCATION_FIELD_RANGE', f'issued_at {issued}')
    if reason > 3:
        raise RevocationError('ERR_REVOCATION_FIELD_RANGE', f'reason {reason}')
    c = Revocation(raw, peer_id, key, issued, reason, rotation, s21, s22)
    if routing_key is not None:
        mh = parse_routing_key(routing_key)
        if mh is None or mh != peer_id:
            raise RevocationError('ERR_REVOCATION_PEER_MISMATCH')
    if expected_peer is not None and expected_peer != peer_id:
        raise RevocationError('ERR_REVOCATION_PEER_MISMATCH')
    if now is not None and issued > now + SKEW_MS:
        raise RevocationError('ERR_REVOCATION_ISSUED_IN_FUTURE')
    if not ed25519.verify_strict(ed25519_key_of(peer_id), c.signed_bytes(), s21):
        raise RevocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE')
    if not mldsa65_verify(key, c.signed_bytes(), s22, CTX_REVOCATION):
        raise RevocationError('ERR_REVOCATION_BAD_ML_DSA_SIGNATURE')
    return c


def check_against_pin(c: Revocation, pinned_key: bytes, earlier_fingerprints: list) -> str:
    """The three rules, in their order; the name of the rule that links it."""
    if c.ml_dsa_public_key == pinned_key:
        return 'pinned-key'
    if sha256(c.ml_dsa_public_key) in earlier_fingerprints:
        return 'earlier-key'
    if (c.rotation is not None and c.rotation[0] == sha256(pinned_key)
            and mldsa65_verify(pinned_key, rotation_bytes(c.peer_id, c.rotation[0], c.ml_dsa_public_key),
                               c.rotation[1], CTX_ROTATION)):
        return 'handed-over-from-pinned-key'
    raise RevocationError('ERR_REVOCATION_KEY_UNKNOWN')


def revocation_rank_key(c: Revocation):
    """"Selection": the later issued_at wins, then the smaller bytes."""
    return (-c.issued_at, c.raw)
