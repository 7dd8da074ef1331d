"""EquivocationProof, from record-format.md "Equivocation proof" (fields,
"Canonical order", "Size", "Checks, in order", "Against a pin",
"Selection")."""

from __future__ import annotations

from typing import Optional

from .prims import mldsa65_verify, sha256
from .record import (CTX_ROTATION, MAX_LIFETIME_MS, Record, RecordError,
                     check_ed25519, check_ml_dsa, decode_record, record_bytes,
                     rotation_bytes)
from .wire import Field, Malformed, NotCanonical, walk

MAX_EVIDENCE_BYTES = 49_162
TAG = b'\x8a\x01'
PROOF = {
    17: Field('record_a', 'bytes'),
    18: Field('record_b', 'bytes'),
}


class EvidenceError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code
        self.detail = detail


def validate_proof(raw: bytes, *, expected_peer: Optional[bytes] = None):
    """"Checks, in order", 1-10. Returns (record_a, record_b)."""
    if len(raw) > MAX_EVIDENCE_BYTES:                                    # 1
        raise EvidenceError('ERR_EVIDENCE_TOO_LARGE')
    if raw[:2] != TAG:                                                   # 2
        raise EvidenceError('ERR_EVIDENCE_MALFORMED', 'does not start 0x8a 0x01')
    try:                                                                 # 3
        w = walk(raw, PROOF, 'EquivocationProof')
    except Malformed as e:
        raise EvidenceError('ERR_EVIDENCE_MALFORMED', str(e))
    except NotCanonical as e:
        raise EvidenceError('ERR_EVIDENCE_NOT_CANONICAL', str(e))
    if not (w.has(17) and w.has(18)):                                    # 4
        raise EvidenceError('ERR_EVIDENCE_MALFORMED', 'a record missing')
    a, b = w.one(17), w.one(18)
    if not sha256(a) < sha256(b):                                        # 5
        raise EvidenceError('ERR_EVIDENCE_NOT_CANONICAL', 'not in SHA-256 order')
    recs = []
    for name, raw_r in (('record_a', a), ('record_b', b)):              # 6
        try:
            recs.append(decode_record(raw_r))
        except RecordError as e:
            raise EvidenceError('ERR_EVIDENCE_MALFORMED', f'{name}: {e.code}')
    ra, rb = recs
    if ra.peer_id != rb.peer_id:                                         # 7
        raise EvidenceError('ERR_EVIDENCE_PEER_MISMATCH', 'two PeerIds')
    if expected_peer is not None and ra.peer_id != expected_peer:
        raise EvidenceError('ERR_EVIDENCE_PEER_MISMATCH', 'not the peer it is given for')
    if ra.seq != rb.seq:                                                 # 8
        raise EvidenceError('ERR_EVIDENCE_NOT_CONFLICTING', 'two seqs')
    if record_bytes(ra) == record_bytes(rb):                             # 9
        raise EvidenceError('ERR_EVIDENCE_NOT_CONFLICTING', 'one content')
    for name, r in (('record_a', ra), ('record_b', rb)):                # 10
        if r.issued_at >= r.expires_at or r.expires_at - r.issued_at > MAX_LIFETIME_MS:
            raise EvidenceError('ERR_EVIDENCE_MALFORMED', f'{name}: times')
        try:
            check_ed25519(r)
            check_ml_dsa(r)
        except RecordError as e:
            raise EvidenceError('ERR_EVIDENCE_BAD_SIGNATURE', f'{name}: {e.code}')
    return ra, rb


def _linked(r: Record, pin_fp: bytes, pinned_key: Optional[bytes]) -> bool:
    if r.fingerprint() == pin_fp:
        return True
    return (r.rotation is not None and r.rotation[0] == pin_fp and pinned_key is not None
            and mldsa65_verify(pinned_key, rotation_bytes(r.peer_id, r.rotation[0], r.ml_dsa_public_key),
                               r.rotation[1], CTX_ROTATION))


def check_against_pin(ra: Record, rb: Record, pin_fp: bytes, pinned_key: Optional[bytes]) -> None:
    if not (_linked(ra, pin_fp, pinned_key) and _linked(rb, pin_fp, pinned_key)):
        raise EvidenceError('ERR_EVIDENCE_KEY_UNKNOWN')
