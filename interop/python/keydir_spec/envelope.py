"""Opening a SealedEnvelope, from docs/envelope.md ("The construction",
"SealedEnvelope", "SealedContent", "HPKE info", "Signed bytes", "Opening:
checks in order") and protobuf/envelope.proto.

HPKE (RFC 9180) base mode with X-Wing (KEM 0x647a), HKDF-SHA256 (0x0001),
AES-256-GCM (0x0002), written here from RFC 9180 section 5 and the X-Wing
draft's decapsulation; envelope.md names the draft but not its version.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .prims import domain, is_ed25519_peer_id, lp, mldsa65_verify, sha256, u64
from .record import CTX_ROTATION, rotation_bytes
from .wire import Field, Malformed, NotCanonical, walk

MAX_ENVELOPE_BYTES = 1_056_768
MAX_DATA = 1_048_576
CTX_SIGNATURE = 'keydir/envelope/v1'
CTX_INFO = 'keydir/envelope-info/v1'
KEM_ID, KDF_ID, AEAD_ID = 0x647A, 0x0001, 0x0002
XWING_LABEL = b'\\.//^\\'  # the six bytes \./ /^\

ENVELOPE = {
    1: Field('version', 'uint32'),
    2: Field('sender', 'bytes'),
    3: Field('recipient', 'bytes'),
    4: Field('recipient_seq', 'fixed64'),
    5: Field('enc', 'bytes'),
    6: Field('ciphertext', 'bytes'),
}
CONTENT = {
    1: Field('sender_seq', 'fixed64'),
    2: Field('signature', 'bytes'),
    3: Field('data', 'bytes'),
}


class EnvelopeError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


# --- X-Wing and HPKE -----------------------------------------------------------

@dataclass
class XWingKey:
    mlkem_seed: bytes
    x25519_secret: bytes
    public_key: bytes  # ML-KEM-768 key || X25519 key, 1216 bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> 'XWingKey':
        out = hashlib.shake_256(seed).digest(96)
        pk_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(out[:64]).public_key().public_bytes_raw()
        pk_x = x25519.X25519PrivateKey.from_private_bytes(out[64:]).public_key().public_bytes_raw()
        return cls(out[:64], out[64:], pk_m + pk_x)


def xwing_decapsulate(key: XWingKey, enc: bytes, label_first: bool = False) -> bytes:
    ct_m, ct_x = enc[:1088], enc[1088:]
    ss_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(key.mlkem_seed).decapsulate(ct_m)
    ss_x = x25519.X25519PrivateKey.from_private_bytes(key.x25519_secret).exchange(
        x25519.X25519PublicKey.from_public_bytes(ct_x))
    pk_x = key.public_key[1184:]
    parts = [ss_m, ss_x, ct_x, pk_x]
    parts = [XWING_LABEL] + parts if label_first else parts + [XWING_LABEL]
    return hashlib.sha3_256(b''.join(parts)).digest()


SUITE_ID = b'HPKE' + struct.pack('>HHH', KEM_ID, KDF_ID, AEAD_ID)


def _extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), b'HPKE-v1' + SUITE_ID + label + ikm, hashlib.sha256).digest()


def _expand(prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = struct.pack('>H', length) + b'HPKE-v1' + SUITE_ID + label + info
    out, t, i = b'', b'', 1
    while len(out) < length:
        t = hmac.new(prk, t + labeled + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def hpke_base_key_schedule(shared_secret: bytes, info: bytes):
    """RFC 9180 5.1, mode_base, empty psk: (key, base_nonce)."""
    psk_id_hash = _extract(b'', b'psk_id_hash', b'')
    info_hash = _extract(b'', b'info_hash', info)
    context = b'\x00' + psk_id_hash + info_hash
    secret = _extract(shared_secret, b'secret', b'')
    return _expand(secret, b'key', context, 32), _expand(secret, b'base_nonce', context, 12)


# --- the envelope ------------------------------------------------------------------

@dataclass
class Envelope:
    version: int
    sender: bytes
    recipient: bytes
    recipient_seq: int
    enc: bytes
    ciphertext: bytes

    def info(self) -> bytes:
        return domain(CTX_INFO) + lp(self.sender) + lp(self.recipient) + u64(self.recipient_seq)


def signed_bytes(e: Envelope, sender_seq: int, data: bytes) -> bytes:
    return (domain(CTX_SIGNATURE) + lp(e.sender) + lp(e.recipient) + u64(e.recipient_seq)
            + lp(e.enc) + u64(sender_seq) + struct.pack('>I', len(data)) + data)


def _fixed(v) -> int:
    return int.from_bytes(v, 'little') if isinstance(v, bytes) else 0


def _walk(raw: bytes, schema: dict, name: str):
    """The wire form before any field is read: ERR_ENVELOPE_MALFORMED, then
    ERR_ENVELOPE_NOT_CANONICAL. An absent field reads as its default."""
    try:
        return walk(raw, schema, name)
    except Malformed as e:
        raise EnvelopeError('ERR_ENVELOPE_MALFORMED', str(e))
    except NotCanonical as e:
        raise EnvelopeError('ERR_ENVELOPE_NOT_CANONICAL', str(e))


def decode_envelope(raw: bytes) -> Envelope:
    if len(raw) > MAX_ENVELOPE_BYTES:                                          # 1
        raise EnvelopeError('ERR_ENVELOPE_TOO_LARGE')
    w = _walk(raw, ENVELOPE, 'SealedEnvelope')                                 # 2, 3
    e = Envelope(w.one(1, 0), w.one(2, b''), w.one(3, b''), _fixed(w.one(4)), w.one(5, b''), w.one(6, b''))
    if e.version != 1:                                                         # 4
        raise EnvelopeError('ERR_ENVELOPE_VERSION', f'version {e.version}')
    if not (is_ed25519_peer_id(e.sender) and is_ed25519_peer_id(e.recipient)  # 5
            and 1 <= e.recipient_seq <= 2**53 - 1 and len(e.enc) == 1120 and e.ciphertext):
        raise EnvelopeError('ERR_ENVELOPE_MALFORMED', 'header fields')
    return e


@dataclass
class Opened:
    envelope: Envelope
    plaintext: bytes
    sender_seq: int
    signature: bytes
    data: bytes


def sender_keys(r) -> list:
    """signatures.md "What verify answers": the keys a sender's signature is
    tried against, newest first, as (key, current): the record's key, then
    the keys its history links hand over to, as far as each hand-over
    verifies (the rotation proof by history[0]'s key into the record's key,
    history[0]'s own proof by history[1]'s key, ...). This verifier knows no
    keys from rotations it watched (it watched none)."""
    keys = [(r.ml_dsa_public_key, True)]
    proof, handed_to = r.rotation, r.ml_dsa_public_key
    for link in r.history:
        if proof is None or sha256(link.ml_dsa_public_key) != proof[0]:
            break
        if not mldsa65_verify(link.ml_dsa_public_key, rotation_bytes(r.peer_id, proof[0], handed_to),
                              proof[1], CTX_ROTATION):
            break
        keys.append((link.ml_dsa_public_key, False))
        proof, handed_to = (link.previous_fingerprint, link.signature), link.ml_dsa_public_key
    return keys


def open_envelope(raw: bytes, *, self_id: bytes, newest_seq: int, kem: Optional[XWingKey],
                  sender_record, retired: Optional[list] = None, sender_refusal: Optional[str] = None,
                  sender_looked_up_recently: bool = False, label_first: bool = False) -> Opened:
    """The checks in order, for a node whose current KEM key is `kem` (None:
    it has no X-Wing key), whose retired KEM keys are `retired`
    ([(last_seq, erased, key)]: an erased one is past the grace time, a kept
    one has its key), and whose directory holds `sender_record` for the
    sender (None: not found) or refuses it with `sender_refusal`. A re-check
    of the sender finds nothing newer: the vectors' network has no other
    record."""
    e = decode_envelope(raw)                                                   # 1 … 5
    if e.recipient != self_id:                                                 # 6
        raise EnvelopeError('ERR_ENVELOPE_NOT_FOR_US')
    if e.recipient_seq > newest_seq:                                           # 7
        raise EnvelopeError('ERR_ENVELOPE_KEY_UNKNOWN')
    # 8: the retired key whose records reach recipient_seq (the lowest last_seq at or above it), else the current key
    reaching = sorted(((last, erased, key) for last, erased, key in (retired or []) if last >= e.recipient_seq),
                      key=lambda k: k[0])
    if reaching and reaching[0][1]:
        raise EnvelopeError('ERR_ENVELOPE_KEY_RETIRED')
    if reaching:
        kem = reaching[0][2]
    elif kem is None:
        raise EnvelopeError('ERR_ENVELOPE_NO_HYBRID_KEY')
    try:                                                                       # 9
        ss = xwing_decapsulate(kem, e.enc, label_first)
        key, nonce = hpke_base_key_schedule(ss, e.info())
        pt = AESGCM(key).decrypt(nonce, e.ciphertext, b'')
    except (InvalidTag, ValueError) as x:
        raise EnvelopeError('ERR_ENVELOPE_DECRYPT', type(x).__name__)
    w = _walk(pt, CONTENT, 'SealedContent')                                    # 10
    sender_seq, sig, data = _fixed(w.one(1)), w.one(2, b''), w.one(3, b'')
    if len(sig) != 3309:
        raise EnvelopeError('ERR_ENVELOPE_MALFORMED', f'SealedContent signature of {len(sig)} bytes')
    if len(data) > MAX_DATA:
        raise EnvelopeError('ERR_ENVELOPE_TOO_LARGE', 'data')
    if not 1 <= sender_seq <= 2**53 - 1:
        raise EnvelopeError('ERR_ENVELOPE_MALFORMED', f'SealedContent sender_seq {sender_seq}')
    if sender_refusal is not None:                                             # 11
        raise EnvelopeError(sender_refusal)
    if sender_record is None:
        raise EnvelopeError('ERR_NOT_FOUND')
    message = signed_bytes(e, sender_seq, data)
    signer = next((current for k, current in sender_keys(sender_record)        # 12
                   if mldsa65_verify(k, message, sig, CTX_SIGNATURE)), None)
    if signer is None and sender_seq > sender_record.seq and sender_looked_up_recently:
        raise EnvelopeError('ERR_ENVELOPE_SENDER_UNCONFIRMED')
    # (else the re-check finds the same record, and the same answer)
    if signer is None:                                                         # 13
        raise EnvelopeError('ERR_ENVELOPE_BAD_SIGNATURE')
    if not signer:
        raise EnvelopeError('ERR_ENVELOPE_STALE_SENDER_KEY')
    return Opened(e, pt, sender_seq, sig, data)
