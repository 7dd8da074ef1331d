"""Following a record's key chain from a pin (record-format.md "History":
"The key chain", "Following"), the record chain's fork rule ("The record
chain"), and the history messages ("Beyond the bound")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .prims import ML_DSA_PK, ML_DSA_SIG, mldsa65_verify, sha256
from .record import (CTX_ROTATION, Link, Record, RecordError, ROTATION_LINK,
                     rotation_bytes)
from .wire import Field, Malformed, NotCanonical, walk

MAX_RESPONSE_LINKS = 64
MAX_RESPONSE_BYTES = 340 * 1024
MAX_REQUEST_BYTES = 256

HISTORY_REQUEST = {
    1: Field('peer_id', 'bytes'),
    2: Field('from_fingerprint', 'bytes'),
    3: Field('to_fingerprint', 'bytes'),
}
HISTORY_RESPONSE = {
    1: Field('links', 'message', repeated=True, schema=ROTATION_LINK),
}


@dataclass
class Pin:
    fingerprint: bytes
    key: Optional[bytes] = None
    superseded: list = field(default_factory=list)


def _handovers(r: Record, earlier: Optional[list]) -> list:
    """Hand-overs newest first, each (from_fingerprint, signature, into_key)."""
    hs = []
    if r.rotation is not None:
        hs.append((r.rotation[0], r.rotation[1], r.ml_dsa_public_key))
    for k in list(r.history) + list(earlier or []):
        hs.append((k.previous_fingerprint, k.signature, k.ml_dsa_public_key))
    return hs


def follow(r: Record, pin: Pin, earlier: Optional[list] = None) -> int:
    """Returns the number of hand-overs followed from the pin to the record's
    key, or raises RecordError with the "Following" table's code."""
    if earlier is not None and earlier:
        # "they must join the record's chain (ERR_BROKEN_CHAIN)"
        oldest = r.history[-1].previous_fingerprint if r.history else (
            r.rotation[0] if r.rotation else None)
        if oldest != sha256(earlier[0].ml_dsa_public_key):
            raise RecordError('ERR_BROKEN_CHAIN', 'earlier links do not join the record')
        for i in range(len(earlier) - 1):
            if earlier[i].previous_fingerprint != sha256(earlier[i + 1].ml_dsa_public_key):
                raise RecordError('ERR_BROKEN_CHAIN', 'earlier links do not join up')
    hs = _handovers(r, earlier)
    fps = [r.fingerprint()] + [h[0] for h in hs]
    if len(set(fps)) != len(fps):
        raise RecordError('ERR_BROKEN_CHAIN', 'a key twice in the chain')

    def key_at(p: int) -> Optional[bytes]:
        if p == 0:
            return r.ml_dsa_public_key
        return hs[p][2] if p < len(hs) else None

    if pin.fingerprint in fps:
        j = fps.index(pin.fingerprint)
        if j == 0:
            return 0
        pinned_key = pin.key or key_at(j)
        if pinned_key is None:
            raise RecordError('ERR_KEY_CHANGED', 'pin by fingerprint, key not carried')
        frm, sig, into = hs[j - 1]
        if not mldsa65_verify(pinned_key, rotation_bytes(r.peer_id, frm, into), sig, CTX_ROTATION):
            raise RecordError('ERR_KEY_CHANGED', 'the pinned key\'s hand-over does not verify')
        for p in range(j - 1, 0, -1):
            frm, sig, into = hs[p - 1]
            if not mldsa65_verify(key_at(p), rotation_bytes(r.peer_id, frm, into), sig, CTX_ROTATION):
                raise RecordError('ERR_BROKEN_CHAIN', f'hand-over into position {p - 1} does not verify')
        return j
    if any(fp in pin.superseded for fp in fps):
        raise RecordError('ERR_FORKED_CHAIN', 'names a key the pin left behind')
    if r.rotation is None:
        raise RecordError('ERR_KEY_CHANGED', 'no rotation proof')
    if earlier is None and len(r.history) == 2:
        raise RecordError('ERR_HISTORY_BEYOND_BOUND')
    raise RecordError('ERR_KEY_CHANGED', 'the chain never names the pinned key')


def check_record_fork(stored: Record, offered: Record) -> None:
    """"The record chain": a higher seq naming the stored record's own
    predecessor is a fork."""
    if (offered.seq > stored.seq and offered.previous_record_hash is not None
            and stored.previous_record_hash is not None
            and offered.previous_record_hash == stored.previous_record_hash):
        raise RecordError('ERR_FORKED_CHAIN', 'names the stored record\'s predecessor')


class HistoryError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


def _walk(raw: bytes, schema: dict, name: str):
    """"Beyond the bound": both messages are held to the wire form, as every
    keydir message: ERR_MESSAGE_MALFORMED, then ERR_MESSAGE_NOT_CANONICAL."""
    try:
        return walk(raw, schema, name)
    except Malformed as e:
        raise HistoryError('ERR_MESSAGE_MALFORMED', str(e))
    except NotCanonical as e:
        raise HistoryError('ERR_MESSAGE_NOT_CANONICAL', str(e))


def decode_request(raw: bytes):
    if len(raw) > MAX_REQUEST_BYTES:
        raise HistoryError('ERR_MESSAGE_TOO_LARGE')
    w = _walk(raw, HISTORY_REQUEST, 'HistoryRequest')
    return w.one(1, b''), w.one(2, b''), w.one(3, b'')


def check_request(raw: bytes, responder: bytes):
    """The responder's checks: names it, two 32-byte fingerprints."""
    peer, frm, to = decode_request(raw)
    if peer != responder:
        raise HistoryError('ERR_WRONG_RESPONDER')
    if len(frm) != 32 or len(to) != 32:
        raise HistoryError('ERR_BAD_FINGERPRINT')
    return peer, frm, to


def check_response(raw: bytes, *, asked: bytes, remote: bytes, from_fp: bytes, to_fp: bytes,
                   pinned_key: Optional[bytes]) -> list:
    """The requester's checks, cheapest first ("Beyond the bound")."""
    if remote != asked:
        raise HistoryError('ERR_WRONG_RESPONDER')
    if len(raw) > MAX_RESPONSE_BYTES:
        raise HistoryError('ERR_MESSAGE_TOO_LARGE')
    w = _walk(raw, HISTORY_RESPONSE, 'HistoryResponse')
    lws = w.all(1)
    if len(lws) > MAX_RESPONSE_LINKS:
        raise HistoryError('ERR_HISTORY_TOO_LONG')
    links = []
    for lw in lws:
        pf, sig, key = lw.one(1, b''), lw.one(2, b''), lw.one(3, b'')
        if len(pf) != 32 or len(sig) != ML_DSA_SIG or len(key) != ML_DSA_PK:
            raise HistoryError('ERR_BAD_ROTATION_PROOF')
        links.append(Link(pf, sig, key))
    if not links:
        return links
    if sha256(links[0].ml_dsa_public_key) != to_fp:
        raise HistoryError('ERR_BROKEN_CHAIN', 'the first link does not hand over into to_fingerprint')
    for i in range(len(links) - 1):
        if links[i].previous_fingerprint != sha256(links[i + 1].ml_dsa_public_key):
            raise HistoryError('ERR_BROKEN_CHAIN', f'link {i} does not come from link {i + 1}')
    if links[-1].previous_fingerprint != from_fp:
        raise HistoryError('ERR_BROKEN_CHAIN', 'the last link does not come from from_fingerprint')
    keys = [from_fp] + [sha256(k.ml_dsa_public_key) for k in links]
    if len(set(keys)) != len(keys):
        raise HistoryError('ERR_BROKEN_CHAIN', 'a key twice')
    for i, k in enumerate(links):
        signer = links[i + 1].ml_dsa_public_key if i + 1 < len(links) else pinned_key
        if signer is None:
            continue  # a pin by fingerprint only: admission checks it
        if not mldsa65_verify(signer, rotation_bytes(asked, k.previous_fingerprint, k.ml_dsa_public_key),
                              k.signature, CTX_ROTATION):
            raise HistoryError('ERR_BAD_HISTORY_SIGNATURE', f'link {i}')
    return links
