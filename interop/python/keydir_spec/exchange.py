"""KeyRequest / KeyResponse / KeyPush, from docs/exchange.md ("Messages",
"Wire form", "Ranges, at decoding", "Signed bytes", "Timestamps and nonces",
"Checks, in order", "Revocation push")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .prims import ML_DSA_SIG, domain, lp, mldsa65_verify, sha256, u64
from .record import RecordError, check_ml_dsa, validate_record
from .revocation import TAG as REVOCATION_TAG, RevocationError, validate_revocation
from .wire import Field, Malformed, NotCanonical, read_varint, walk

MAX_MESSAGE_BYTES = 28_672
RATE_LIMIT = {'KeyRequest': 10, 'KeyPush': 10}  # per peer per 10 s (exchange.md "Checks, in order")
WINDOW_MS = 300_000

SCHEMA = {
    1: Field('record', 'bytes'),
    2: Field('peer', 'bytes'),
    3: Field('timestamp', 'uint64'),
    4: Field('nonce', 'uint64'),
    5: Field('signature', 'bytes'),
}
CONTEXTS = {
    'KeyRequest': 'keydir/key-request/v1',
    'KeyResponse': 'keydir/key-response/v1',
    'KeyPush': 'keydir/key-push/v1',
}
SIGNATURE_CODES = {
    'KeyRequest': 'ERR_BAD_REQUEST_SIGNATURE',
    'KeyResponse': 'ERR_BAD_RESPONSE_SIGNATURE',
    'KeyPush': 'ERR_BAD_PUSH_SIGNATURE',
}


class ExchangeError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


@dataclass
class Message:
    kind: str
    raw: bytes
    record: bytes
    peer: bytes  # responder_id / requester_id / recipient_id
    timestamp: int
    nonce: int
    signature: bytes


def _in_hole(v: int) -> bool:
    return 2**31 <= v <= 2**32 - 1


def read_frame(frame: bytes) -> bytes:
    """exchange.md "Streams": the message after its unsigned-varint length
    prefix; a prefix over 28,672 is refused before the message is read."""
    try:
        length, pos, _ = read_varint(frame, 0, len(frame))
    except Malformed as e:
        raise ExchangeError('ERR_MESSAGE_MALFORMED', f'length prefix: {e}')
    if length > MAX_MESSAGE_BYTES:
        raise ExchangeError('ERR_MESSAGE_TOO_LARGE', f'length prefix {length}')
    if len(frame) - pos < length:
        raise ExchangeError('ERR_MESSAGE_MALFORMED', 'the stream ended inside the message')
    return frame[pos:pos + length]


def decode(kind: str, raw: bytes) -> Message:
    """Length, wire form, ranges at decoding."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ExchangeError('ERR_MESSAGE_TOO_LARGE')
    try:
        w = walk(raw, SCHEMA, kind)
    except Malformed as e:
        raise ExchangeError('ERR_MESSAGE_MALFORMED', str(e))
    except NotCanonical as e:
        raise ExchangeError('ERR_MESSAGE_NOT_CANONICAL', str(e))
    m = Message(kind, raw, w.one(1, b''), w.one(2, b''), w.one(3, 0), w.one(4, 0), w.one(5, b''))
    if _in_hole(m.timestamp):
        raise ExchangeError('ERR_STALE_TIMESTAMP', 'timestamp in 2^31 .. 2^32 - 1')
    if m.nonce == 0 or _in_hole(m.nonce):
        raise ExchangeError('ERR_BAD_NONCE', f'nonce {m.nonce}')
    return m


def signed_bytes(m: Message, frm: bytes, to: bytes) -> bytes:
    return (domain(CONTEXTS[m.kind]) + lp(frm) + lp(to) + u64(m.timestamp) + u64(m.nonce)
            + sha256(m.record))


def _window(m: Message, now: int) -> None:
    if abs(m.timestamp - now) > WINDOW_MS:
        raise ExchangeError('ERR_STALE_TIMESTAMP')


def _carried(m: Message, remote: bytes, now: int, allow_revocation: bool):
    """The carried value is a valid record (or certificate) of the remote
    peer; then its ML-DSA-65 signature. Returns the ML-DSA-65 key that signs
    the message."""
    if allow_revocation and m.record[:2] == REVOCATION_TAG:
        try:
            c = validate_revocation(m.record, now, expected_peer=remote)
        except RevocationError as e:
            raise ExchangeError(e.code, 'carried revocation')
        return c.ml_dsa_public_key
    try:
        r = validate_record(m.record, now, expected_peer=remote, check_ml_dsa_signature=False)
        check_ml_dsa(r)
    except RecordError as e:
        raise ExchangeError(e.code, 'carried record: ' + e.detail)
    return r.ml_dsa_public_key


def _signature(m: Message, key: bytes, frm: bytes, to: bytes) -> None:
    if len(m.signature) != ML_DSA_SIG or not mldsa65_verify(
            key, signed_bytes(m, frm, to), m.signature, CONTEXTS[m.kind]):
        raise ExchangeError(SIGNATURE_CODES[m.kind])


def _nonce(m: Message, last_accepted: Optional[int]) -> None:
    if last_accepted is not None and m.nonce <= last_accepted:
        raise ExchangeError('ERR_REPLAYED_NONCE')


def admit(kind: str, admitted_in_last_ten_seconds: int) -> None:
    """Before anything is read: the per-peer rate limit of requests and pushes."""
    if kind in RATE_LIMIT and admitted_in_last_ten_seconds >= RATE_LIMIT[kind]:
        raise ExchangeError('ERR_RATE_LIMITED')


def receive_request(raw: bytes, *, self_id: bytes, remote: bytes, now: int,
                    last_accepted_nonce: Optional[int]) -> Message:
    m = decode('KeyRequest', raw)                           # 1
    if m.peer != self_id:                                   # 2
        raise ExchangeError('ERR_WRONG_RESPONDER')
    _window(m, now)                                         # 3
    key = _carried(m, remote, now, False)                   # 4, 5 (record)
    _signature(m, key, remote, self_id)                     # 5 (request)
    # 6: admission to an empty registry (the vectors' receivers hold no pin)
    _nonce(m, last_accepted_nonce)                          # 7
    return m


def receive_response(raw: bytes, *, self_id: bytes, remote: bytes, asked: bytes, now: int,
                     expected_nonce: int) -> Message:
    m = decode('KeyResponse', raw)                          # 1
    if remote != asked:                                     # 2
        raise ExchangeError('ERR_WRONG_RESPONDER')
    if m.nonce != expected_nonce:                           # 3
        raise ExchangeError('ERR_NONCE_MISMATCH')
    if m.peer != self_id:                                   # 4
        raise ExchangeError('ERR_WRONG_REQUESTER')
    _window(m, now)                                         # 5
    key = _carried(m, asked, now, False)                    # 6, 7 (record)
    _signature(m, key, asked, self_id)                      # 7 (response)
    return m


def receive_push(raw: bytes, *, self_id: bytes, remote: bytes, now: int,
                 last_accepted_nonce: Optional[int], holds_remote: bool,
                 remote_learned_unasked: bool = False) -> Message:
    m = decode('KeyPush', raw)                              # 1
    if not holds_remote:                                    # 2
        raise ExchangeError('ERR_PUSH_UNSOLICITED')
    if m.peer != self_id:                                   # 3
        raise ExchangeError('ERR_WRONG_RECIPIENT')
    _window(m, now)                                         # 4
    key = _carried(m, remote, now, True)                    # 5, 6 (carried)
    _signature(m, key, remote, self_id)                     # 6 (push)
    _nonce(m, last_accepted_nonce)                          # 7
    # 8: the registry's rules; the vectors give no registry content but
    # this: a revocation is never kept for a peer held only as learned unasked
    if m.record[:2] == REVOCATION_TAG and remote_learned_unasked:
        raise ExchangeError('ERR_REVOCATION_UNSOLICITED')
    return m
