"""Protobuf wire-form walker, from record-format.md "Wire form", which
every keydir message is held to: records, revocation certificates,
equivocation proofs, KeyRequest / KeyResponse / KeyPush (exchange.md),
HistoryRequest / HistoryResponse ("Beyond the bound"), SealedEnvelope and
SealedContent (envelope.md). Each maps the two classes below to its own
codes (..._MALFORMED, then ..._NOT_CANONICAL) with `walk`.

A schema is a dict: field number -> Field. The walker checks every byte
against it and sorts the faults into two classes:

- Malformed: a tag or varint truncated, longer than 10 bytes or above
  2^64 - 1; field number 0 or above 2^29 - 1; wire types 3, 4, 6, 7; a
  length past the end; a fixed64/fixed32 cut short; a known field in
  another wire type; a uint32 field above 2^32 - 1; the same inside a
  nested message.
- Not canonical: an unknown field number; fields out of increasing order;
  a field twice (except a repeated field's elements, one after another); a
  non-minimal tag, length or varint; a default (varint 0, length-0 bytes)
  written out; the same inside a nested message. A message field of
  length 0 is present, not a default.

"Malformed anywhere wins over not canonical": the walk goes to the end
(nested messages included) before a not-canonical fault is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
MAX_FIELD_NUMBER = (1 << 29) - 1


class Malformed(Exception):
    pass


class NotCanonical(Exception):
    pass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # 'bytes' | 'uint64' | 'uint32' | 'fixed64' | 'message'
    repeated: bool = False
    schema: Optional[dict] = None  # for kind == 'message'

    @property
    def wire_type(self) -> int:
        if self.kind == 'fixed64':
            return I64
        return VARINT if self.kind in ('uint64', 'uint32') else LEN


def read_varint(buf: bytes, pos: int, end: int):
    """Returns (value, next position, minimal?). Raises Malformed."""
    value = 0
    start = pos
    for i in range(10):
        if pos >= end:
            raise Malformed('varint truncated')
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if value > (1 << 64) - 1:
                raise Malformed('varint above 2^64 - 1')
            minimal = (pos - start == 1) or b != 0
            return value, pos, minimal
    raise Malformed('varint longer than 10 bytes')


def encode_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


@dataclass
class Walk:
    """The result of a walk: values per field number, in wire order."""
    values: dict = field(default_factory=dict)  # number -> list of (value | Walk)
    noncanonical: Optional[str] = None

    def one(self, number: int, default=None):
        v = self.values.get(number)
        return v[-1] if v else default

    def all(self, number: int) -> list:
        return self.values.get(number, [])

    def has(self, number: int) -> bool:
        return number in self.values


def _walk(buf: bytes, start: int, end: int, schema: dict, path: str) -> Walk:
    w = Walk()
    pos = start
    last = 0

    def note(msg: str):
        if w.noncanonical is None:
            w.noncanonical = f'{path}: {msg}'

    while pos < end:
        tag, pos, minimal = read_varint(buf, pos, end)
        number, wt = tag >> 3, tag & 7
        if number == 0 or number > MAX_FIELD_NUMBER:
            raise Malformed(f'{path}: field number {number}')
        if wt in (SGROUP, EGROUP, 6, 7):
            raise Malformed(f'{path}: field {number} wire type {wt}')
        if not minimal:
            note(f'field {number}: tag not minimal')
        if wt == VARINT:
            value, pos, vmin = read_varint(buf, pos, end)
            if not vmin:
                note(f'field {number}: varint not minimal')
            is_default = value == 0
        elif wt == I64:
            if pos + 8 > end:
                raise Malformed(f'{path}: field {number}: fixed64 cut short')
            value = buf[pos:pos + 8]
            pos += 8
            is_default = value == bytes(8)
        elif wt == I32:
            if pos + 4 > end:
                raise Malformed(f'{path}: field {number}: fixed32 cut short')
            value = buf[pos:pos + 4]
            pos += 4
            is_default = value == bytes(4)
        else:  # LEN
            length, pos, lmin = read_varint(buf, pos, end)
            if not lmin:
                note(f'field {number}: length not minimal')
            if length > end - pos:
                raise Malformed(f'{path}: field {number}: length past the end')
            value = (pos, pos + length)
            pos += length
            is_default = length == 0

        spec = schema.get(number)
        if spec is None:
            note(f'unknown field {number}')
            continue
        if wt != spec.wire_type:
            raise Malformed(f'{path}: field {number} ({spec.name}) in wire type {wt}')
        if spec.kind == 'uint32' and value > 0xFFFFFFFF:
            raise Malformed(f'{path}: field {number} ({spec.name}) above 2^32 - 1')
        if number < last:
            note(f'field {number} after field {last}')
        elif number == last and not spec.repeated:
            note(f'field {number} ({spec.name}) twice')
        last = max(last, number)
        if spec.kind == 'message':
            sub = _walk(buf, value[0], value[1], spec.schema, f'{path}.{spec.name}')
            if sub.noncanonical:
                note(sub.noncanonical)
            value = sub
        else:
            if is_default:
                note(f'field {number} ({spec.name}) holds its default')
            if wt == LEN:
                value = bytes(buf[value[0]:value[1]])
        w.values.setdefault(number, []).append(value)
    return w


def walk(buf: bytes, schema: dict, path: str = 'message') -> Walk:
    """Walks buf against schema; raises Malformed, then NotCanonical."""
    w = _walk(buf, 0, len(buf), schema, path)
    if w.noncanonical:
        raise NotCanonical(w.noncanonical)
    return w


def walk_lenient(buf: bytes, schema: dict, path: str = 'message') -> Walk:
    """Only the malformed class. No keydir message uses it: only libp2p's own
    Kademlia GET_VALUE answer (kadget.py), which any kad-dht node writes and
    which record-format.md holds to no canonical encoding ("Bytes that are
    no such message are refused ERR_DHT_BAD_ANSWER")."""
    return _walk(buf, 0, len(buf), schema, path)


# --- encoding (canonical) ---------------------------------------------------

def enc_tag(number: int, wt: int) -> bytes:
    return encode_varint(number << 3 | wt)


def enc_bytes(number: int, b: Optional[bytes]) -> bytes:
    if not b:
        return b''
    return enc_tag(number, LEN) + encode_varint(len(b)) + b


def enc_message(number: int, b: Optional[bytes]) -> bytes:
    """A message field: present (even if empty) or absent (None)."""
    if b is None:
        return b''
    return enc_tag(number, LEN) + encode_varint(len(b)) + b


def enc_uint(number: int, n: Optional[int]) -> bytes:
    if not n:
        return b''
    return enc_tag(number, VARINT) + encode_varint(n)
