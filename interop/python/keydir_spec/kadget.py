"""keydir's own Kademlia GET_VALUE (record-format.md "Rotation and the DHT",
protobuf/kad-get.proto): the request it writes and what it reads from an
answer. libp2p's message, so unknown fields are dropped, not refused."""

from __future__ import annotations

import ipaddress

from .prims import read_uvarint
from .wire import Field, Malformed, enc_bytes, enc_uint, walk_lenient

MAX_ANSWER_BYTES = 64 * 1024
MAX_CLOSER_PEERS = 20
MAX_ADDRS = 16
MAX_ADDR_BYTES = 256
MAX_PEER_ID_BYTES = 64
GET_VALUE = 1

LIBP2P_RECORD = {
    1: Field('key', 'bytes'),
    2: Field('value', 'bytes'),
    5: Field('timeReceived', 'bytes'),
}
PEER = {
    1: Field('id', 'bytes'),
    2: Field('addrs', 'bytes', repeated=True),
    3: Field('connection', 'uint64'),  # int32 on the wire is a varint; ignored
}
KAD = {
    1: Field('type', 'uint64'),
    2: Field('key', 'bytes'),
    3: Field('record', 'message', schema=LIBP2P_RECORD),
    8: Field('closer_peers', 'message', repeated=True, schema=PEER),
}


class KadError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


def encode_request(key: bytes) -> bytes:
    return enc_uint(1, GET_VALUE) + enc_bytes(2, key)


def decode(raw: bytes):
    if len(raw) > MAX_ANSWER_BYTES:
        raise KadError('ERR_DHT_BAD_ANSWER', 'over 64 KiB')
    try:
        return walk_lenient(raw, KAD, 'KadGetValue')
    except Malformed as e:
        raise KadError('ERR_DHT_BAD_ANSWER', str(e))


def read_answer(raw: bytes, key: bytes) -> dict:
    """What keydir takes from an answer: the record (same key), up to 20
    closer peers with up to 16 addresses each; the rest dropped."""
    w = decode(raw)
    out = {'recordKey': None, 'recordValue': None, 'closerPeers': []}
    rw = w.one(3)
    if rw is not None:
        if rw.one(1, b'') != key:
            raise KadError('ERR_DHT_BAD_ANSWER', 'record under another key')
        out['recordKey'] = rw.one(1, b'')
        out['recordValue'] = rw.one(2, b'')
    for pw in w.all(8)[:MAX_CLOSER_PEERS]:
        pid = pw.one(1, b'')
        if not pid or len(pid) > MAX_PEER_ID_BYTES:
            continue
        addrs = [a for a in pw.all(2) if len(a) <= MAX_ADDR_BYTES][:MAX_ADDRS]
        out['closerPeers'].append({'id': pid, 'addrs': addrs})
    return out


def multiaddr_to_string(b: bytes) -> str:
    """Binary multiaddr to text, for the protocols the vector uses (and a few
    more); anything else is shown as /x-<code>/<hex>."""
    sizes = {4: 4, 6: 2, 41: 16, 273: 2, 132: 2}
    names = {4: 'ip4', 6: 'tcp', 41: 'ip6', 273: 'udp', 132: 'sctp'}
    out, pos = '', 0
    while pos < len(b):
        code, pos = read_uvarint(b, pos)
        if code is None:
            raise ValueError('bad multiaddr')
        if code in sizes:
            v = b[pos:pos + sizes[code]]
            pos += sizes[code]
            if code == 4:
                out += f'/ip4/{ipaddress.IPv4Address(v)}'
            elif code == 41:
                out += f'/ip6/{ipaddress.IPv6Address(v)}'
            else:
                out += f'/{names[code]}/{int.from_bytes(v, "big")}'
        else:
            n, pos = read_uvarint(b, pos)
            out += f'/x-{code}/{b[pos:pos + n].hex()}'
            pos += n
    return out
