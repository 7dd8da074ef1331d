"""KeyRecord: decoding, validation and signed bytes, from record-format.md
("KeyRecord", "Record bytes", "Version 2", "History", "Wire form",
"Validation order")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from . import ed25519
from .prims import (ML_DSA_PK, ML_DSA_SIG, ML_KEM_PK, domain, ed25519_key_of,
                    is_ed25519_peer_id, lp, mldsa65_verify, mlkem768_key_ok,
                    parse_routing_key, sha256, u8, u64, x25519_canonical,
                    x25519_small_order)
from .wire import (Field, Malformed, NotCanonical, enc_bytes, enc_message,
                   enc_uint, walk)

MAX_RECORD_BYTES = 24 * 1024
MAX_HISTORY_LINKS = 2
MAX_SAFE = 2**53 - 1
PROTONS_HOLE = (2**31, 2**32 - 1)
SKEW_MS = 300_000
MAX_LIFETIME_MS = 604_800_000
CTX_V1 = 'keydir/key-record/v1'
CTX_V2 = 'keydir/key-record/v2'
CTX_ROTATION = 'keydir/rotation/v1'

ROTATION_PROOF = {
    1: Field('previous_fingerprint', 'bytes'),
    2: Field('signature', 'bytes'),
}
ROTATION_LINK = {
    1: Field('previous_fingerprint', 'bytes'),
    2: Field('signature', 'bytes'),
    3: Field('ml_dsa_public_key', 'bytes'),
}
KEY_RECORD = {
    1: Field('peer_id', 'bytes'),
    2: Field('ml_dsa_public_key', 'bytes'),
    3: Field('ml_kem_public_key', 'bytes'),
    4: Field('seq', 'uint64'),
    5: Field('issued_at', 'uint64'),
    6: Field('expires_at', 'uint64'),
    7: Field('rotation', 'message', schema=ROTATION_PROOF),
    8: Field('libp2p_signature', 'bytes'),
    9: Field('ml_dsa_signature', 'bytes'),
    10: Field('previous_record_hash', 'bytes'),
    11: Field('history', 'message', repeated=True, schema=ROTATION_LINK),
    12: Field('version', 'uint32'),
    13: Field('x25519_public_key', 'bytes'),
}


class RecordError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class Link:
    previous_fingerprint: bytes
    signature: bytes
    ml_dsa_public_key: bytes


@dataclass
class Record:
    raw: bytes
    peer_id: bytes
    ml_dsa_public_key: bytes
    ml_kem_public_key: bytes
    seq: int
    issued_at: int
    expires_at: int
    rotation: Optional[tuple]  # (previous_fingerprint, signature)
    libp2p_signature: bytes
    ml_dsa_signature: bytes
    previous_record_hash: Optional[bytes]
    history: list = field(default_factory=list)  # [Link], newest first
    version: int = 1
    x25519_public_key: Optional[bytes] = None

    @property
    def context(self) -> str:
        return CTX_V2 if self.version == 2 else CTX_V1

    def signed_bytes(self) -> bytes:
        return record_bytes(self)

    def fingerprint(self) -> bytes:
        return sha256(self.ml_dsa_public_key)


def _rotation_part(r: Record) -> bytes:
    if r.rotation is None:
        return b'\x00'
    return b'\x01' + lp(r.rotation[0]) + lp(r.rotation[1])


def _links(r: Record) -> bytes:
    return b''.join(lp(k.previous_fingerprint) + lp(k.signature) + lp(k.ml_dsa_public_key)
                    for k in r.history)


def record_bytes(r: Record) -> bytes:
    """"Record bytes" (version 1) and "Version 2 / Signed bytes"."""
    times = u64(r.seq) + u64(r.issued_at) + u64(r.expires_at)
    if r.version == 2:
        return (domain(CTX_V2) + lp(r.peer_id) + lp(r.ml_dsa_public_key)
                + lp(r.ml_kem_public_key) + lp(r.x25519_public_key) + times
                + _rotation_part(r) + lp(r.previous_record_hash or b'')
                + u8(len(r.history)) + _links(r))
    out = (domain(CTX_V1) + lp(r.peer_id) + lp(r.ml_dsa_public_key)
           + lp(r.ml_kem_public_key) + times + _rotation_part(r))
    if r.previous_record_hash is not None or r.history:
        out += (b'\x01' + lp(r.previous_record_hash or b'')
                + u8(len(r.history)) + _links(r))
    return out


def rotation_bytes(peer_id: bytes, previous_fingerprint: bytes, new_key: bytes) -> bytes:
    """"Rotation bytes"."""
    return domain(CTX_ROTATION) + lp(peer_id) + lp(previous_fingerprint) + lp(new_key)


def encode_record(r: Record) -> bytes:
    """The canonical encoding (fields in number order, defaults left out)."""
    out = enc_bytes(1, r.peer_id) + enc_bytes(2, r.ml_dsa_public_key) + enc_bytes(3, r.ml_kem_public_key)
    out += enc_uint(4, r.seq) + enc_uint(5, r.issued_at) + enc_uint(6, r.expires_at)
    if r.rotation is not None:
        out += enc_message(7, enc_bytes(1, r.rotation[0]) + enc_bytes(2, r.rotation[1]))
    out += enc_bytes(8, r.libp2p_signature) + enc_bytes(9, r.ml_dsa_signature)
    out += enc_bytes(10, r.previous_record_hash)
    for k in r.history:
        out += enc_message(11, enc_bytes(1, k.previous_fingerprint) + enc_bytes(2, k.signature)
                           + enc_bytes(3, k.ml_dsa_public_key))
    if r.version != 1:
        out += enc_uint(12, r.version)
    out += enc_bytes(13, r.x25519_public_key)
    return out


def _in_hole(v: int) -> bool:
    return PROTONS_HOLE[0] <= v <= PROTONS_HOLE[1]


def decode_record(raw: bytes) -> Record:
    """Validation order steps 1-9: everything a record says about itself
    without a signature, a clock or a DHT key."""
    # 1. size
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError('ERR_RECORD_TOO_LARGE', f'{len(raw)} bytes')
    # 2. wire form
    try:
        w = walk(raw, KEY_RECORD, 'KeyRecord')
    except Malformed as e:
        raise RecordError('ERR_RECORD_MALFORMED', str(e))
    except NotCanonical as e:
        raise RecordError('ERR_RECORD_NOT_CANONICAL', str(e))
    # 3. PeerId
    peer_id = w.one(1, b'')
    if not is_ed25519_peer_id(peer_id):
        raise RecordError('ERR_BAD_PEER_ID')
    # 4. key lengths, ML-KEM-768 key check
    dsa, kem = w.one(2, b''), w.one(3, b'')
    if len(dsa) != ML_DSA_PK:
        raise RecordError('ERR_BAD_KEY_LENGTH', f'ML-DSA-65 key of {len(dsa)} bytes')
    if len(kem) != ML_KEM_PK:
        raise RecordError('ERR_BAD_KEY_LENGTH', f'ML-KEM-768 key of {len(kem)} bytes')
    if not mlkem768_key_ok(kem):
        raise RecordError('ERR_BAD_ML_KEM_KEY')
    # 5. version and X25519 key
    version = w.one(12)
    x25519 = w.one(13)
    if version == 1:
        raise RecordError('ERR_RECORD_NOT_CANONICAL', 'version 1 written out')
    if version is not None and version != 2:
        raise RecordError('ERR_UNKNOWN_RECORD_VERSION', f'version {version}')
    if (version == 2) != (x25519 is not None):
        raise RecordError('ERR_RECORD_VERSION_MISMATCH')
    if x25519 is not None:
        if len(x25519) != 32:
            raise RecordError('ERR_BAD_KEY_LENGTH', f'X25519 key of {len(x25519)} bytes')
        if not x25519_canonical(x25519):
            raise RecordError('ERR_X25519_NOT_CANONICAL')
        if x25519_small_order(x25519):
            raise RecordError('ERR_X25519_SMALL_ORDER')
    # 6. signature lengths
    sig8, sig9 = w.one(8, b''), w.one(9, b'')
    if len(sig8) != 64:
        raise RecordError('ERR_BAD_SIGNATURE_LENGTH', f'libp2p signature of {len(sig8)} bytes')
    if len(sig9) != ML_DSA_SIG:
        raise RecordError('ERR_BAD_SIGNATURE_LENGTH', f'ML-DSA-65 signature of {len(sig9)} bytes')
    # 7. rotation proof, previous record hash, history lengths
    rotation = None
    if w.has(7):
        rp = w.one(7)
        pf, sig = rp.one(1, b''), rp.one(2, b'')
        if len(pf) != 32 or len(sig) != ML_DSA_SIG:
            raise RecordError('ERR_BAD_ROTATION_PROOF')
        rotation = (pf, sig)
    prev_hash = w.one(10)
    if prev_hash is not None and len(prev_hash) != 32:
        raise RecordError('ERR_BAD_HASH_LENGTH', f'{len(prev_hash)} bytes')
    links_w = w.all(11)
    if len(links_w) > MAX_HISTORY_LINKS:
        raise RecordError('ERR_HISTORY_TOO_LONG', f'{len(links_w)} links')
    history = []
    for lw in links_w:
        pf, sig, key = lw.one(1, b''), lw.one(2, b''), lw.one(3, b'')
        if len(pf) != 32 or len(sig) != ML_DSA_SIG or len(key) != ML_DSA_PK:
            raise RecordError('ERR_BAD_ROTATION_PROOF', 'history link lengths')
        history.append(Link(pf, sig, key))
    # 8. ranges
    seq, issued, expires = w.one(4, 0), w.one(5, 0), w.one(6, 0)
    if seq == 0 or seq > MAX_SAFE or _in_hole(seq):
        raise RecordError('ERR_FIELD_RANGE', f'seq {seq}')
    for name, v in (('issued_at', issued), ('expires_at', expires)):
        if v > MAX_SAFE or _in_hole(v):
            raise RecordError('ERR_FIELD_RANGE', f'{name} {v}')
    r = Record(raw=raw, peer_id=peer_id, ml_dsa_public_key=dsa, ml_kem_public_key=kem,
               seq=seq, issued_at=issued, expires_at=expires, rotation=rotation,
               libp2p_signature=sig8, ml_dsa_signature=sig9,
               previous_record_hash=prev_hash, history=history,
               version=version or 1, x25519_public_key=x25519)
    # 9. history structure
    check_history_structure(r)
    return r


def chain_fingerprints(r: Record) -> list:
    """The key chain's fingerprints, newest first (History, "The key chain")."""
    fps = [r.fingerprint()]
    if r.rotation is not None:
        fps.append(r.rotation[0])
    fps.extend(k.previous_fingerprint for k in r.history)
    return fps


def check_history_structure(r: Record) -> None:
    if r.history and r.rotation is None:
        raise RecordError('ERR_BROKEN_CHAIN', 'history without a rotation proof')
    if r.history:
        if r.rotation[0] != sha256(r.history[0].ml_dsa_public_key):
            raise RecordError('ERR_BROKEN_CHAIN', 'rotation does not come from history[0]')
        for i in range(len(r.history) - 1):
            if r.history[i].previous_fingerprint != sha256(r.history[i + 1].ml_dsa_public_key):
                raise RecordError('ERR_BROKEN_CHAIN', f'history[{i}] does not come from history[{i + 1}]')
    fps = chain_fingerprints(r)
    if len(set(fps)) != len(fps):
        raise RecordError('ERR_BROKEN_CHAIN', 'a fingerprint twice in the chain')


def check_times(r: Record, now: int) -> None:
    """Validation order step 11, the four time checks in their order."""
    if r.issued_at >= r.expires_at:
        raise RecordError('ERR_BAD_TIMES')
    if r.expires_at - r.issued_at > MAX_LIFETIME_MS:
        raise RecordError('ERR_LIFETIME_TOO_LONG')
    if r.expires_at <= now:
        raise RecordError('ERR_RECORD_EXPIRED')
    if r.issued_at > now + SKEW_MS:
        raise RecordError('ERR_ISSUED_IN_FUTURE')


def check_ed25519(r: Record) -> None:
    if not ed25519.verify_strict(ed25519_key_of(r.peer_id), record_bytes(r), r.libp2p_signature):
        raise RecordError('ERR_BAD_LIBP2P_SIGNATURE')


def check_ml_dsa(r: Record) -> None:
    if not mldsa65_verify(r.ml_dsa_public_key, record_bytes(r), r.ml_dsa_signature, r.context):
        raise RecordError('ERR_BAD_ML_DSA_SIGNATURE')


def validate_record(raw: bytes, now: int, *, expected_peer: Optional[bytes] = None,
                    routing_key: Optional[bytes] = None, check_ml_dsa_signature: bool = True) -> Record:
    """The whole validation order (steps 1-13). expected_peer is the PeerId
    multihash asked for; routing_key a DHT key. With check_ml_dsa_signature
    False, "every check but the last" (exchange.md)."""
    if routing_key is not None:
        rk_peer = parse_routing_key(routing_key)
        if rk_peer is None:
            raise RecordError('ERR_BAD_ROUTING_KEY')
    r = decode_record(raw)
    # 10. PeerId
    if routing_key is not None and r.peer_id != rk_peer:
        raise RecordError('ERR_PEER_ID_MISMATCH', 'not the DHT key\'s PeerId')
    if expected_peer is not None and r.peer_id != expected_peer:
        raise RecordError('ERR_PEER_ID_MISMATCH', 'not the expected PeerId')
    check_times(r, now)              # 11
    check_ed25519(r)                 # 12
    if check_ml_dsa_signature:
        check_ml_dsa(r)              # 13
    return r


def record_from_fields(f: dict) -> Record:
    """A Record from a vector's `fields` object (key-record.json)."""
    h = bytes.fromhex
    rot = f.get('rotation')
    return Record(
        raw=b'', peer_id=h(f['peerIdHex']), ml_dsa_public_key=h(f['mlDsaPublicKeyHex']),
        ml_kem_public_key=h(f['mlKemPublicKeyHex']), seq=f['seq'], issued_at=f['issuedAt'],
        expires_at=f['expiresAt'],
        rotation=(h(rot['previousFingerprintHex']), h(rot['signatureHex'])) if rot else None,
        libp2p_signature=h(f['libp2pSignatureHex']), ml_dsa_signature=h(f['mlDsaSignatureHex']),
        previous_record_hash=h(f['previousRecordHashHex']) if f.get('previousRecordHashHex') else None,
        history=[Link(h(k['previousFingerprintHex']), h(k['signatureHex']), h(k['mlDsaPublicKeyHex']))
                 for k in f.get('history') or []],
        version=f.get('version') or 1,
        x25519_public_key=h(f['x25519PublicKeyHex']) if f.get('x25519PublicKeyHex') else None,
    )
