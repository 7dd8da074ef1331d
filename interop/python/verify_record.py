#!/usr/bin/env python3
"""Checks one keydir key record, pulled from a live node or read from a file,
with the second implementation in keydir_spec (written from the spec alone).

Usage:
  python3 interop/python/verify_record.py --url http://127.0.0.1:PORT/v1/keys/PEERID
  python3 interop/python/verify_record.py FILE|- [--encoding raw|hex|base64] [--peer PEERID]
  options: --peer PEERID | --routing-key HEX (a DHT key, /pqk/ + multihash),
           --at UNIX_MS|ISO_8601 (default now), --json, --timeout SECONDS

The input is the record's bytes as the API serves them with
`Accept: application/vnd.keydir.key-record` (docs/api.md): raw by default;
`--encoding hex` or `--encoding base64` (what `keydir resolve --record`
prints) for text, whitespace ignored. At most 131,072 bytes are read.

It runs record-format.md's validation order (steps 1-13), prints each step
and the decision (accept, or the code of the first failing check), and the
record's PeerId and the ML-DSA PeerId of its key. Step 10 checks the
record under --peer (an Ed25519 PeerId `12D3KooW...` or an ML-DSA PeerId
`Qm...`) or --routing-key; with --url the PeerId in the URL is the default.

Exit status: 0 the record is valid, 1 it is not, 2 a usage or I/O error
(no record to check: a bad option, an unreadable file, a node that did not
answer with a record, a Python or `cryptography` too old).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

RECORD_MEDIA_TYPE = 'application/vnd.keydir.key-record'
# Over twice the largest record (24,576 bytes) so that a record slightly too
# large gets its step 1 code; more than this is not a record at all.
MAX_INPUT_BYTES = 131_072
DEFAULT_TIMEOUT_S = 10.0
EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

STEPS = {
    0: 'the DHT key starts /pqk/ (before step 1)',
    1: 'size, at most 24,576 bytes',
    2: 'wire form (malformed, then not canonical)',
    3: 'field 1 is an Ed25519 PeerId',
    4: 'key lengths, ML-KEM-768 key check',
    5: 'version and X25519 key',
    6: 'signature lengths',
    7: 'rotation proof, previous record hash, history lengths',
    8: 'ranges of seq, issued_at, expires_at',
    9: 'history structure',
    10: 'the PeerId asked for names the record',
    11: 'times',
    12: 'Ed25519 signature (strict rule)',
    13: 'ML-DSA-65 signature',
}

# Steps 1-9 run as one decode in keydir_spec.record; the step a code comes
# from, where the code alone says it.
DECODE_STEP = {
    'ERR_RECORD_TOO_LARGE': 1, 'ERR_RECORD_MALFORMED': 2, 'ERR_BAD_PEER_ID': 3,
    'ERR_BAD_ML_KEM_KEY': 4, 'ERR_UNKNOWN_RECORD_VERSION': 5, 'ERR_RECORD_VERSION_MISMATCH': 5,
    'ERR_X25519_NOT_CANONICAL': 5, 'ERR_X25519_SMALL_ORDER': 5, 'ERR_BAD_SIGNATURE_LENGTH': 6,
    'ERR_BAD_ROTATION_PROOF': 7, 'ERR_BAD_HASH_LENGTH': 7, 'ERR_HISTORY_TOO_LONG': 7,
    'ERR_FIELD_RANGE': 8, 'ERR_BROKEN_CHAIN': 9,
}


class UsageError(Exception):
    """No record to check: exit status 2."""


def require_cryptography() -> None:
    if sys.version_info < (3, 11):
        raise UsageError(f'{sys.executable} is Python {sys.version.split()[0]}: this verifier needs 3.11 or later')
    try:
        from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem  # noqa: F401
    except ImportError:  # cryptography before 48 (Debian 12's python3 has 38)
        import cryptography
        raise UsageError(f'{sys.executable}: cryptography {cryptography.__version__} has no ML-DSA-65; '
                         'this verifier needs cryptography 48 or later (see interop/python/README.md)')


# --- input ------------------------------------------------------------------

def bounded_read(stream) -> bytes:
    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise UsageError(f'input over {MAX_INPUT_BYTES:,} bytes: not a key record')
    return data


def decode_input(data: bytes, encoding: str) -> bytes:
    if encoding == 'raw':
        return data
    text = b''.join(data.split())  # ASCII whitespace, line breaks included
    try:
        if encoding == 'hex':
            return bytes.fromhex(text.decode('ascii'))
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as e:
        raise UsageError(f'the input is not {encoding}: {e}')


def read_file(path: str, encoding: str) -> bytes:
    try:
        if path == '-':
            data = bounded_read(sys.stdin.buffer)
        else:
            with open(path, 'rb') as f:
                data = bounded_read(f)
    except OSError as e:
        raise UsageError(f'cannot read {path}: {e.strerror or e}')
    return decode_input(data, encoding)


def fetch(url: str, timeout_s: float) -> bytes:
    """GET the record from a node's API (docs/api.md, `GET /v1/keys/{peerId}`
    with `Accept: application/vnd.keydir.key-record`), all of it within
    timeout_s: urllib's timeout bounds each wait on the socket, not the
    whole answer, so the fetch runs in a thread that is given up on then."""
    if urllib.parse.urlsplit(url).scheme not in ('http', 'https'):
        raise UsageError(f'--url must be an http:// or https:// URL, not {url!r}')
    outcome = {}

    def run() -> None:
        try:
            outcome['record'] = fetch_unbounded(url, timeout_s)
        except Exception as e:  # handed to the caller's thread below
            outcome['error'] = e

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise UsageError(f'{url} did not answer within {timeout_s:g} s (--timeout)')
    if 'error' in outcome:
        raise outcome['error']
    return outcome['record']


def fetch_unbounded(url: str, timeout_s: float) -> bytes:
    req = urllib.request.Request(url, headers={'Accept': RECORD_MEDIA_TYPE})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as res:
            ctype = res.headers.get('Content-Type', '')
            if ctype.split(';')[0].strip().lower() != RECORD_MEDIA_TYPE:
                raise UsageError(f'{url} answered {ctype or "no Content-Type"}, not {RECORD_MEDIA_TYPE}')
            body = res.read(MAX_INPUT_BYTES + 1)
            if len(body) > MAX_INPUT_BYTES:
                raise UsageError(f'{url} answered over {MAX_INPUT_BYTES:,} bytes: not a key record')
            return body
    except urllib.error.HTTPError as e:
        raise UsageError(f'{url} answered {e.code}{api_error(e)}')
    except urllib.error.URLError as e:
        raise UsageError(f'cannot reach {url}: {e.reason}; is the node running (keydir status)?')
    except (TimeoutError, OSError) as e:
        raise UsageError(f'{url}: {e} (timeout {timeout_s:g} s)')


def api_error(e: urllib.error.HTTPError) -> str:
    """The API's error envelope `{ "error": { "code", "message" } }`, if that is what came."""
    try:
        body = json.loads(e.read(4096))
        return f' {body["error"]["code"]}: {body["error"]["message"]}'
    except Exception:  # any other body: the status says enough
        return ''


def peer_from_url(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    prefix = '/v1/keys/'
    if not path.startswith(prefix) or '/' in path[len(prefix):] or len(path) == len(prefix):
        raise UsageError(f'{url} is not a /v1/keys/PEERID URL: give the PeerId with --peer')
    return urllib.parse.unquote(path[len(prefix):])


def parse_peer(text: str) -> bytes:
    """A PeerId in text (base58btc of its multihash): an Ed25519 PeerId, or
    the SHA-256 multihash of an ML-DSA PeerId (record-format.md "PeerIds",
    "ML-DSA PeerId")."""
    from keydir_spec.ml_dsa_peer_id import is_sha256_multihash
    from keydir_spec.prims import b58decode, is_ed25519_peer_id
    try:
        mh = b58decode(text)
    except ValueError:
        raise UsageError(f'{text!r} is not a PeerId (base58btc)')
    if not (is_ed25519_peer_id(mh) or is_sha256_multihash(mh)):
        raise UsageError(f'{text!r} is neither an Ed25519 PeerId (12D3KooW...) nor an ML-DSA PeerId (Qm...)')
    return mh


def parse_hex(option: str, text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise UsageError(f'{option} {text!r} is not hex')


def parse_at(text: str) -> int:
    if text.isdigit():
        return int(text)
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f'--at {text!r} is neither Unix milliseconds nor an ISO 8601 time')
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return int(t.timestamp() * 1000)


# --- the validation order ---------------------------------------------------

def decode_step(raw: bytes, code: str) -> int:
    """The step of steps 1-9 that refused the record with `code`."""
    from keydir_spec.record import KEY_RECORD
    from keydir_spec.wire import Malformed, NotCanonical, walk
    if code in DECODE_STEP:
        return DECODE_STEP[code]
    try:
        w = walk(raw, KEY_RECORD, 'KeyRecord')
    except (Malformed, NotCanonical):
        return 2
    if code == 'ERR_BAD_KEY_LENGTH':  # step 4 for fields 2 and 3, step 5 for field 13
        from keydir_spec.prims import ML_DSA_PK, ML_KEM_PK
        return 4 if len(w.one(2, b'')) != ML_DSA_PK or len(w.one(3, b'')) != ML_KEM_PK else 5
    return 5  # ERR_RECORD_NOT_CANONICAL past the wire form: version 1 written out


def validate(raw: bytes, now: int, asked, routing_key=None):
    """The whole validation order, step by step, under the PeerId multihash
    `asked` or a DHT key. Returns (checks, code, detail, record): checks as
    (step, result, code); code None when valid."""
    from keydir_spec import record as rec
    from keydir_spec.ml_dsa_peer_id import names_record
    checks = []
    first = 1
    if routing_key is not None:
        # "checked before step 1; what follows /pqk/ is not parsed, only compared"
        if not (routing_key.startswith(b'/pqk/') and len(routing_key) > 5):
            checks.append((0, 'fail', 'ERR_BAD_ROUTING_KEY'))
            checks.extend((s, 'not reached', None) for s in range(1, 14))
            return checks, 'ERR_BAD_ROUTING_KEY', 'not /pqk/ followed by a multihash', None
        checks.append((0, 'ok', None))
        asked, first = routing_key[5:], 0

    def refuse(step: int, e: rec.RecordError, record=None):
        checks.extend((s, 'ok', None) for s in range(first + len(checks), step))
        checks.append((step, 'fail', e.code))
        checks.extend((s, 'not reached', None) for s in range(step + 1, 14))
        return checks, e.code, e.detail, record

    try:
        r = rec.decode_record(raw)  # steps 1-9
    except rec.RecordError as e:
        return refuse(decode_step(raw, e.code), e)
    checks.extend((s, 'ok', None) for s in range(1, 10))
    if asked is None:
        checks.append((10, 'skipped: no PeerId asked for (--peer)', None))
    elif not names_record(asked, r.peer_id, r.ml_dsa_public_key):
        return refuse(10, rec.RecordError('ERR_PEER_ID_MISMATCH', 'neither the record\'s PeerId nor its ML-DSA PeerId'), r)
    else:
        checks.append((10, 'ok', None))
    for step, check in ((11, lambda: rec.check_times(r, now)), (12, lambda: rec.check_ed25519(r)),
                        (13, lambda: rec.check_ml_dsa(r))):
        try:
            check()
        except rec.RecordError as e:
            return refuse(step, e, r)
        checks.append((step, 'ok', None))
    return checks, None, '', r


# --- output -----------------------------------------------------------------

def report(source: str, raw: bytes, now: int, asked_text, result, as_json: bool) -> None:
    from keydir_spec.ml_dsa_peer_id import ml_dsa_peer_id_text
    from keydir_spec.prims import b58encode
    checks, code, detail, r = result
    peer_id = b58encode(r.peer_id) if r is not None else None
    ml_dsa_peer_id = ml_dsa_peer_id_text(r.ml_dsa_public_key) if r is not None else None
    if as_json:
        print(json.dumps({
            'source': source, 'bytes': len(raw), 'at': now, 'asked': asked_text,
            'decision': 'accept' if code is None else 'refuse', 'code': code, 'detail': detail,
            'peerId': peer_id, 'mlDsaPeerId': ml_dsa_peer_id,
            'checks': [{'step': s, 'check': STEPS[s], 'result': res, **({'code': c} if c else {})}
                       for s, res, c in checks],
        }, indent=2))
        return
    print(f'{"record":<14}{len(raw):,} bytes from {source}, checked at {now} '
          f'({datetime.fromtimestamp(now / 1000, timezone.utc).isoformat(timespec="seconds")})')
    print(f'{"asked for":<14}{asked_text or "(no PeerId given)"}')
    for s, res, c in checks:
        print(f'  {s:>2}. {STEPS[s]:<55} {res}{" " + c if c else ""}')
    print(f'{"decision":<14}{"accept" if code is None else "refuse " + code}{": " + detail if detail else ""}')
    print(f'{"PeerId":<14}{peer_id or "(unknown: the record did not decode)"}')
    print(f'{"ML-DSA PeerId":<14}{ml_dsa_peer_id or "(unknown: the record did not decode)"}')


def main(argv: list) -> int:
    p = argparse.ArgumentParser(
        prog='verify_record.py', description='Check one keydir key record with the Python implementation.',
        epilog='Exit status: 0 valid, 1 invalid, 2 usage or I/O error. See interop/python/README.md.')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('file', nargs='?', help='the record: a file, or - for stdin')
    src.add_argument('--url', help='fetch it from a node: http://127.0.0.1:PORT/v1/keys/PEERID')
    p.add_argument('--encoding', choices=('raw', 'hex', 'base64'), default='raw',
                   help='how FILE holds the record (default raw bytes)')
    under = p.add_mutually_exclusive_group()
    under.add_argument('--peer', help='the PeerId (12D3KooW... or Qm...) to check it under; default the --url one')
    under.add_argument('--routing-key', metavar='HEX', help='or the DHT key to check it under, in hex (/pqk/ + multihash)')
    p.add_argument('--at', help='check at this time: Unix ms or ISO 8601 (default now)')
    p.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT_S, help='seconds for --url (default 10)')
    p.add_argument('--json', action='store_true', help='print the outcome as JSON')
    args = p.parse_args(argv)
    try:
        require_cryptography()
        if args.url is not None and args.encoding != 'raw':
            raise UsageError('--encoding is for FILE: a node serves the raw record')
        if not 0 < args.timeout <= 600:
            raise UsageError('--timeout must be more than 0 and at most 600 seconds')
        now = parse_at(args.at) if args.at is not None else int(time.time() * 1000)
        asked_text = args.peer if args.peer is not None else (peer_from_url(args.url) if args.url else None)
        asked = parse_peer(asked_text) if asked_text is not None else None
        routing_key = parse_hex('--routing-key', args.routing_key) if args.routing_key is not None else None
        if routing_key is not None:
            asked, asked_text = None, f'DHT key {args.routing_key}'
        raw = fetch(args.url, args.timeout) if args.url is not None else read_file(args.file, args.encoding)
        if not raw:
            raise UsageError('no record: the input is empty')
    except UsageError as e:
        print(f'verify_record.py: {e}', file=sys.stderr)
        return EXIT_USAGE
    result = validate(raw, now, asked, routing_key)
    report(args.url or ('stdin' if args.file == '-' else args.file), raw, now, asked_text, result, args.json)
    return EXIT_VALID if result[1] is None else EXIT_INVALID


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
