#!/usr/bin/env python3
"""Checks keydir's golden vectors with a second implementation written from
the spec alone (docs/record-format.md, docs/exchange.md, protobuf/*.proto).

Usage: python3 interop/python/verify_vectors.py [test/vectors] [-v]

For every vector it reaches its own decision (accept, or the error code of
the first failing check) and compares it with the vector's. One line per
vector file with its counts, then every disagreement and every skip with
its reason. Exit status 1 on any disagreement, 2 on a missing file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import traceback

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem  # noqa: F401
except ImportError:  # cryptography before 48 (Debian 12's python3 has 38)
    import cryptography
    print(f'{sys.executable}: cryptography {cryptography.__version__} has no ML-DSA-65; '
          'this verifier needs cryptography 48 or later (see interop/python/README.md)', file=sys.stderr)
    sys.exit(2)
from cryptography.hazmat.primitives.asymmetric import ed25519 as ossl_ed25519  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem, x25519  # noqa: E402

from keydir_spec import ed25519  # noqa: E402
from keydir_spec import envelope as en  # noqa: E402
from keydir_spec import equivocation as ev  # noqa: E402
from keydir_spec import exchange as ex  # noqa: E402
from keydir_spec import history as hi  # noqa: E402
from keydir_spec import kadget as kg  # noqa: E402
from keydir_spec import record as rec  # noqa: E402
from keydir_spec import revocation as rv  # noqa: E402
from keydir_spec import session as se  # noqa: E402
from keydir_spec.prims import b58encode, mldsa65_verify, peer_id_mh, sha256  # noqa: E402

ACCEPT = 'accept'
h = bytes.fromhex


class Mismatch(Exception):
    """A fact the vector states that this implementation computes otherwise."""


class Family:
    def __init__(self, file: str):
        self.file = file
        self.checked = 0
        self.agreed = 0
        self.disagreements = []  # (name, expected, got, detail)
        self.skipped = []        # (name, reason)
        self.results = []        # (name, expected, got), for -v

    def check(self, name: str, expected, fn):
        """fn() returns the decision (ACCEPT, a code, or another result);
        exceptions carrying .code are decisions too."""
        self.checked += 1
        detail = ''
        try:
            got = fn()
        except (rec.RecordError, ex.ExchangeError, rv.RevocationError, ev.EvidenceError,
                hi.HistoryError, en.EnvelopeError, kg.KadError, se.SessionError) as e:
            got = e.code
            detail = str(e)
        except Mismatch as e:
            got = 'MISMATCH'
            detail = str(e)
        except Exception as e:  # a crash is a disagreement, never a pass
            got = f'CRASH {type(e).__name__}'
            detail = traceback.format_exc(limit=3)
        self.results.append((name, expected, got))
        if got == expected:
            self.agreed += 1
        else:
            self.disagreements.append((name, expected, got, detail))

    def skip(self, name: str, reason: str):
        self.skipped.append((name, reason))

    def line(self) -> str:
        return (f'{self.file}: checked {self.checked}, agreed {self.agreed}, '
                f'disagreed {len(self.disagreements)}, skipped {len(self.skipped)}')


def expect_equal(what: str, mine: bytes, theirs: bytes):
    if mine != theirs:
        raise Mismatch(f'{what}: computed {mine.hex()[:64]}..., vector {theirs.hex()[:64]}...')


def ed25519_peer(seed_hex: str) -> bytes:
    pk = ossl_ed25519.Ed25519PrivateKey.from_private_bytes(h(seed_hex)).public_key().public_bytes_raw()
    return bytes.fromhex('002408011220') + pk


def mldsa_pk(seed_hex: str) -> bytes:
    return mldsa.MLDSA65PrivateKey.from_seed_bytes(h(seed_hex)).public_key().public_bytes_raw()


def mlkem_pk(seed: bytes) -> bytes:
    return mlkem.MLKEM768PrivateKey.from_seed_bytes(seed).public_key().public_bytes_raw()


def xwing_keys(seed_hex: str):
    """record-format.md "Version 2": SHAKE256(seed, 96): 0..63 the ML-KEM-768
    seed d || z, 64..95 the X25519 secret."""
    out = hashlib.shake_256(h(seed_hex)).digest(96)
    xpk = x25519.X25519PrivateKey.from_private_bytes(out[64:]).public_key().public_bytes_raw()
    return mlkem_pk(out[:64]), xpk


def load(dir_: str, name: str):
    with open(os.path.join(dir_, name)) as f:
        return json.load(f)


# --- key-record.json ---------------------------------------------------------

def check_valid_record(v: dict, now: int, fam_prefix: str = ''):
    raw = h(v['recordHex'])
    rk = h(v['routingKeyHex'])
    r = rec.validate_record(raw, now, routing_key=rk)
    expect_equal('routingKeyHex', b'/pqk/' + r.peer_id, rk)
    if b58encode(r.peer_id) != v['peerId']:
        raise Mismatch(f'peerId string {v["peerId"]} is not base58btc of the record\'s PeerId')
    f = v['fields']
    if 'peerIdHex' in f:
        mine = rec.record_from_fields(f)
        expect_equal('canonical encoding of `fields`', rec.encode_record(mine), raw)
    else:
        for k, a in (('seq', r.seq), ('issuedAt', r.issued_at), ('expiresAt', r.expires_at)):
            if f[k] != a:
                raise Mismatch(f'fields.{k} {f[k]} but the record says {a}')
    if 'signedBytesHex' in v:
        expect_equal('signedBytesHex', rec.record_bytes(r), h(v['signedBytesHex']))
    if 'sizeBytes' in v and v['sizeBytes'] != len(raw):
        raise Mismatch(f'sizeBytes {v["sizeBytes"]} but {len(raw)}')
    if 'rotationSignedBytesHex' in v:
        prev = h(v['previousMlDsaPublicKeyHex'])
        expect_equal('previous fingerprint', sha256(prev), r.rotation[0])
        rb = rec.rotation_bytes(r.peer_id, r.rotation[0], r.ml_dsa_public_key)
        expect_equal('rotationSignedBytesHex', rb, h(v['rotationSignedBytesHex']))
        if not mldsa65_verify(prev, rb, r.rotation[1], rec.CTX_ROTATION):
            raise Mismatch('the rotation proof does not verify with previousMlDsaPublicKeyHex')
    return ACCEPT


def family_key_record(d: dict) -> Family:
    fam = Family('key-record.json')
    inp = d['inputs']
    now = inp['validAt']
    valid = {v['name']: v for v in d['valid']}
    decoded = {n: rec.decode_record(h(v['recordHex'])) for n, v in valid.items()}

    # the inputs reproduce the valid records' keys
    def inputs_check():
        plain = decoded['plain']
        expect_equal('PeerId from ed25519SeedHex', ed25519_peer(inp['ed25519SeedHex']), plain.peer_id)
        expect_equal('K0 from mlDsaSeedHex', mldsa_pk(inp['mlDsaSeedHex']), plain.ml_dsa_public_key)
        expect_equal('ML-KEM-768 key from mlKemSeedHex', mlkem_pk(h(inp['mlKemSeedHex'])), plain.ml_kem_public_key)
        rot = decoded['rotated']
        expect_equal('K1 from nextMlDsaSeedHex', mldsa_pk(inp['nextMlDsaSeedHex']), rot.ml_dsa_public_key)
        expect_equal('rotated ML-KEM key', mlkem_pk(h(inp['nextMlKemSeedHex'])), rot.ml_kem_public_key)
        for i, n in enumerate(('history-2', 'history-3', 'history-4')):
            expect_equal(f'{n} key', mldsa_pk(inp['laterMlDsaSeedsHex'][i]), decoded[n].ml_dsa_public_key)
            expect_equal(f'{n} ML-KEM key', mlkem_pk(h(inp['laterMlKemSeedsHex'][i])), decoded[n].ml_kem_public_key)
        return ACCEPT
    fam.check('inputs: seeds give the valid records\' keys', ACCEPT, inputs_check)

    def chain_check():
        order = ['plain', 'rotated', 'history-2', 'history-3', 'history-4']
        for prev, cur in zip(order[1:], order[2:]):
            if decoded[cur].previous_record_hash != sha256(h(valid[prev]['recordHex'])):
                raise Mismatch(f'{cur} does not name {prev} (previous_record_hash)')
        return ACCEPT
    fam.check('record chain: history-2 <- rotated, 3 <- 2, 4 <- 3', ACCEPT, chain_check)

    def ed25519_list_check():
        if ed25519.small_order_points() != set(ed25519.SMALL_ORDER_ENCODINGS):
            raise Mismatch('the spec\'s eight small-order encodings are not the 8-torsion')
        return ACCEPT
    fam.check('spec: the eight small-order Ed25519 encodings are the 8-torsion', ACCEPT, ed25519_list_check)

    for v in d['valid']:
        fam.check(f'valid: {v["name"]}', ACCEPT, lambda v=v: check_valid_record(v, now))
    for v in d['invalid']:
        fam.check(f'invalid: {v["name"]}', v['error'],
                  lambda v=v: rec.validate_record(h(v['recordHex']), now, routing_key=h(v['routingKeyHex'])) and ACCEPT)

    for c in d['history']:
        expected = c['error'] if 'error' in c else f'rotations={c["rotations"]}'

        def run(c=c):
            raw = h(valid[c['record']]['recordHex']) if 'record' in c else h(c['recordHex'])
            r = rec.validate_record(raw, now, expected_peer=decoded['plain'].peer_id)
            if 'stored' in c:
                hi.check_record_fork(decoded[c['stored']], r)
            p = c['pinned']
            pin = hi.Pin(h(p['fingerprintHex']), h(p['mlDsaPublicKeyHex']) if p.get('mlDsaPublicKeyHex') else None,
                         [h(x) for x in p.get('supersededHex', [])])
            try:
                return f'rotations={hi.follow(r, pin)}'
            except rec.RecordError as e:
                # record-format.md, History: ERR_KEY_CHANGED is ERR_ANCHOR_CONFLICT for a pin from a configured anchor
                if p.get('anchor') and e.code == 'ERR_KEY_CHANGED':
                    raise rec.RecordError('ERR_ANCHOR_CONFLICT', e.detail)
                raise
        fam.check(f'history: {c["name"]}', expected, run)

    v2 = d['version2']

    def v2_inputs():
        kem, xpk = xwing_keys(v2['inputs']['kemSeedHex'])
        expect_equal('x25519PublicKeyHex', xpk, h(v2['inputs']['x25519PublicKeyHex']))
        rkem, rxpk = xwing_keys(v2['inputs']['rotatedKemSeedHex'])
        expect_equal('rotatedX25519PublicKeyHex', rxpk, h(v2['inputs']['rotatedX25519PublicKeyHex']))
        first = rec.decode_record(h(v2['valid'][0]['recordHex']))
        expect_equal('v2 plain ML-KEM-768 key from kemSeedHex', kem, first.ml_kem_public_key)
        expect_equal('v2 plain X25519 key', xpk, first.x25519_public_key)
        second = rec.decode_record(h(v2['valid'][1]['recordHex']))
        expect_equal('v2 rotated ML-KEM-768 key from rotatedKemSeedHex', rkem, second.ml_kem_public_key)
        expect_equal('v2 rotated X25519 key', rxpk, second.x25519_public_key)
        return ACCEPT
    fam.check('version2 inputs: X-Wing seeds give the records\' KEM keys', ACCEPT, v2_inputs)
    for v in v2['valid']:
        fam.check(f'version2 valid: {v["name"]}', ACCEPT, lambda v=v: check_valid_record(v, now))
    for v in v2['invalid']:
        fam.check(f'version2 invalid: {v["name"]}', v['error'],
                  lambda v=v: rec.validate_record(h(v['recordHex']), now, routing_key=h(v['routingKeyHex'])) and ACCEPT)
    return fam


# --- key-exchange.json -------------------------------------------------------

def exchange_message(v: dict) -> bytes:
    """The message as a receiver reads it: off its length prefix when the
    vector gives one (lengthPrefixHex), else messageHex as it is."""
    if 'lengthPrefixHex' in v:
        return ex.read_frame(h(v['lengthPrefixHex']) + h(v['messageHex']))
    return h(v['messageHex'])


def run_exchange(kind: str, raw: bytes, st: dict, now: int):
    self_id = peer_id_mh(st['self'])
    remote = peer_id_mh(st['remote'])
    last = int(st['lastAcceptedNonce']) if 'lastAcceptedNonce' in st else None
    if kind == 'KeyRequest':
        return ex.receive_request(raw, self_id=self_id, remote=remote, now=now, last_accepted_nonce=last)
    if kind == 'KeyResponse':
        return ex.receive_response(raw, self_id=self_id, remote=remote, asked=peer_id_mh(st['asked']),
                                   now=now, expected_nonce=int(st['expectedNonce']))
    if kind == 'KeyPush':
        return ex.receive_push(raw, self_id=self_id, remote=remote, now=now, last_accepted_nonce=last,
                               holds_remote=bool(st['holdsRemote']),
                               remote_learned_unasked=bool(st.get('remoteLearnedUnasked', False)))
    raise ValueError(kind)


def admit_then_receive(v: dict, now: int):
    """The rate limit comes before the message is read (its length prefix included)."""
    ex.admit(v['message'], v['receiver'].get('admittedInLastTenSeconds', 0))
    return run_exchange(v['message'], exchange_message(v), v['receiver'], now)


def family_key_exchange(d: dict) -> Family:
    fam = Family('key-exchange.json')
    inp = d['inputs']
    now = inp['now']
    for k in ('request', 'response', 'push'):
        if inp['contexts'][k] != ex.CONTEXTS['Key' + k.capitalize()]:
            fam.checked += 1
            fam.disagreements.append((f'inputs: context {k}', ex.CONTEXTS['Key' + k.capitalize()],
                                      inp['contexts'][k], ''))

    def parties():
        for role in ('requester', 'responder', 'third'):
            p = inp[role]
            if b58encode(ed25519_peer(p['ed25519SeedHex'])) != p['peerId']:
                raise Mismatch(f'{role}: peerId is not the Ed25519 seed\'s')
        return ACCEPT
    fam.check('inputs: the parties\' PeerIds from their Ed25519 seeds', ACCEPT, parties)

    def carried_records():
        for v in d['valid']:
            frm = next(p for p in ('requester', 'responder') if inp[p]['peerId'] == v['from'])
            p = inp[frm]
            if v.get('carries') == 'revocation':
                c = rv.validate_revocation(h(v['recordHex']), now, expected_peer=peer_id_mh(v['from']))
                expect_equal(f'{v["message"]}: revocation\'s ML-DSA-65 key from seed', mldsa_pk(p['mlDsaSeedHex']),
                             c.ml_dsa_public_key)
                continue
            r = rec.decode_record(h(v['recordHex']))
            expect_equal(f'{v["message"]}: ML-DSA-65 key from seed', mldsa_pk(p['mlDsaSeedHex']), r.ml_dsa_public_key)
            kem, xpk = xwing_keys(p['kemSeedHex'])
            expect_equal(f'{v["message"]}: ML-KEM-768 key from kemSeedHex', kem, r.ml_kem_public_key)
            expect_equal(f'{v["message"]}: X25519 key from kemSeedHex', xpk, r.x25519_public_key or b'')
            if (r.version, r.seq, r.issued_at, r.expires_at) != (
                    2, 1, inp['recordsIssuedAt'], inp['recordsIssuedAt'] + inp['recordLifetimeMs']):
                raise Mismatch(f'{v["message"]}: record version/seq/times not as inputs say')
        return ACCEPT
    fam.check('inputs: carried records from the parties\' seeds', ACCEPT, carried_records)

    for v in d['valid']:
        def run(v=v):
            m = run_exchange(v['message'], h(v['messageHex']), v['receiver'], now)
            expect_equal('recordHex', m.record, h(v['recordHex']))
            if (m.timestamp, m.nonce) != (v['timestamp'], int(v['nonce'])):
                raise Mismatch('timestamp / nonce')
            sb = ex.signed_bytes(m, peer_id_mh(v['from']), peer_id_mh(v['to']))
            expect_equal('signedBytesHex', sb, h(v['signedBytesHex']))
            if (v['receiver']['self'], v['receiver']['remote']) != (v['to'], v['from']):
                raise Mismatch('receiver state is not from/to')
            return ACCEPT
        fam.check(f'valid: {v["message"]}', ACCEPT, run)
    for v in d['invalid']:
        fam.check(f'invalid {v["message"]}: {v["name"]}', v['error'],
                  lambda v=v: admit_then_receive(v, now) and ACCEPT)
    return fam


# --- key-push.json -------------------------------------------------------------

def family_key_push(d: dict) -> Family:
    fam = Family('key-push.json')
    inp = d['inputs']
    now = inp['validAt']
    v = d['valid']
    recipient = ed25519_peer(inp['recipientEd25519SeedHex'])

    # The receiver state vectors.md gives for every case: it holds the
    # pusher's keys and has accepted no nonce from it.
    def run(push_hex: str, self_id: bytes):
        return ex.receive_push(h(push_hex), self_id=self_id, remote=peer_id_mh(v['pusher']), now=now,
                               last_accepted_nonce=None, holds_remote=True)

    def valid():
        if b58encode(recipient) != v['recipient']:
            raise Mismatch('recipient is not recipientEd25519SeedHex\'s PeerId')
        m = run(v['pushHex'], recipient)
        expect_equal('recordHex', m.record, h(v['recordHex']))
        if (m.timestamp, m.nonce) != (v['timestamp'], int(v['nonce'])):
            raise Mismatch('timestamp / nonce')
        expect_equal('signedBytesHex', ex.signed_bytes(m, peer_id_mh(v['pusher']), recipient),
                     h(v['signedBytesHex']))
        return ACCEPT
    fam.check('valid', ACCEPT, valid)
    for iv in d['invalid']:
        self_id = peer_id_mh(iv['recipient']) if 'recipient' in iv else recipient
        fam.check(f'invalid: {iv["name"]}', iv['error'], lambda iv=iv, s=self_id: run(iv['pushHex'], s) and ACCEPT)
    return fam


# --- revocation.json -----------------------------------------------------------

def family_revocation(d: dict) -> Family:
    fam = Family('revocation.json')
    inp = d['inputs']
    now = inp['validAt']
    reasons = d['reasons']
    valid_certs = []
    for v in d['valid']:
        def run(v=v):
            raw = h(v['certificateHex'])
            c = rv.validate_revocation(raw, now, routing_key=h(v['routingKeyHex']))
            expect_equal('signedBytesHex', c.signed_bytes(), h(v['signedBytesHex']))
            f = v['fields']
            rot = f.get('rotation')
            mine = rv.Revocation(b'', h(f['peerIdHex']), h(f['mlDsaPublicKeyHex']), f['issuedAt'],
                                 reasons.index(f['reason']),
                                 (h(rot['previousFingerprintHex']), h(rot['signatureHex'])) if rot else None,
                                 h(f['libp2pSignatureHex']), h(f['mlDsaSignatureHex']))
            expect_equal('canonical encoding of `fields`', mine.encode(), raw)
            if b58encode(c.peer_id) != v['peerId']:
                raise Mismatch('peerId string')
            return ACCEPT
        fam.check(f'valid: {v["name"]}', ACCEPT, run)
        try:
            valid_certs.append(rv.validate_revocation(h(v['certificateHex']), now))
        except rv.RevocationError:
            valid_certs.append(None)

    def inputs_check():
        expect_equal('PeerId from ed25519SeedHex', ed25519_peer(inp['ed25519SeedHex']), valid_certs[0].peer_id)
        expect_equal('K0 from mlDsaSeedHex', mldsa_pk(inp['mlDsaSeedHex']), valid_certs[0].ml_dsa_public_key)
        expect_equal('K1 from nextMlDsaSeedHex', mldsa_pk(inp['nextMlDsaSeedHex']), valid_certs[1].ml_dsa_public_key)
        expect_equal('stranger key', mldsa_pk(inp['strangerMlDsaSeedHex']), valid_certs[2].ml_dsa_public_key)
        return ACCEPT
    fam.check('inputs: seeds give the certificates\' keys', ACCEPT, inputs_check)

    for v in d['invalid']:
        fam.check(f'invalid: {v["name"]}', v['error'],
                  lambda v=v: rv.validate_revocation(h(v['certificateHex']), now,
                                                     routing_key=h(v['routingKeyHex'])) and ACCEPT)
    for p in d['pinChecks']:
        def run(p=p):
            c = valid_certs[p['valid']]
            key = h(p['pinnedMlDsaPublicKeyHex'])
            expect_equal('pinnedFingerprintHex', sha256(key), h(p['pinnedFingerprintHex']))
            return rv.check_against_pin(c, key, [h(x) for x in p['earlierFingerprintsHex']])
        fam.check(f'pin: {p["name"]}', p['result'], run)

    key_record = h(d['keyRecordHex'])
    for s in d['selection']:
        def run(s=s):
            # "A revocation beats every record of the peer, whatever its seq.
            # Of two revocations the later issued_at wins, then the
            # lexicographically smaller bytes."
            def rank(i):
                val = s['values'][i]
                if val == 'keyRecord':
                    rec.decode_record(key_record)
                    return (1, 0, b'')
                c = valid_certs[val]
                return (0,) + rv.revocation_rank_key(c)
            return min(range(len(s['values'])), key=rank)
        fam.check(f'selection: {s["name"]}', s['best'], run)
    return fam


# --- equivocation.json -----------------------------------------------------------

def family_equivocation(d: dict) -> Family:
    fam = Family('equivocation.json')
    inp = d['inputs']
    proofs = []
    for v in d['valid']:
        def run(v=v):
            expected = h(v['routingKeyHex'])[5:] if 'routingKeyHex' in v else None
            ra, rb = ev.validate_proof(h(v['proofHex']), expected_peer=expected)
            if b58encode(ra.peer_id) != v['peerId'] or ra.seq != v['seq']:
                raise Mismatch('peerId / seq')
            for mine, theirs in zip((ra, rb), v.get('records', [])):
                expect_equal('records[].recordHex', mine.raw, h(theirs['recordHex']))
                expect_equal('records[].sha256Hex', sha256(mine.raw), h(theirs['sha256Hex']))
                expect_equal('records[].signedBytesHex', rec.record_bytes(mine), h(theirs['signedBytesHex']))
                if (mine.seq, mine.issued_at) != (theirs['seq'], theirs['issuedAt']):
                    raise Mismatch('records[] seq / issuedAt')
            return ACCEPT
        fam.check(f'valid: {v["name"]}', ACCEPT, run)
        try:
            proofs.append(ev.validate_proof(h(v['proofHex'])))
        except ev.EvidenceError:
            proofs.append(None)

    def inputs_check():
        ra, rb = proofs[0]
        expect_equal('PeerId from ed25519SeedHex', ed25519_peer(inp['ed25519SeedHex']), ra.peer_id)
        expect_equal('K0 from mlDsaSeedHex', mldsa_pk(inp['mlDsaSeedHex']), ra.ml_dsa_public_key)
        expect_equal('K0 (record_b)', mldsa_pk(inp['mlDsaSeedHex']), rb.ml_dsa_public_key)
        stranger = mldsa_pk(inp['strangerMlDsaSeedHex'])
        if stranger not in (proofs[1][0].ml_dsa_public_key, proofs[1][1].ml_dsa_public_key):
            raise Mismatch('the thief\'s proof carries no record of strangerMlDsaSeedHex\'s key')
        return ACCEPT
    fam.check('inputs: seeds give the proofs\' keys', ACCEPT, inputs_check)

    for v in d['invalid']:
        def run(v=v):
            if v.get('proofHex') is None:
                raw = h(v['prefixHex'])
                raw += bytes(v['lengthBytes'] - len(raw))
            else:
                raw = h(v['proofHex'])
            expected = peer_id_mh(v['expectedPeerId']) if 'expectedPeerId' in v else None
            ev.validate_proof(raw, expected_peer=expected)
            return ACCEPT
        fam.check(f'invalid: {v["name"]}', v['error'], run)
    for p in d['pin']:
        def run(p=p):
            ra, rb = proofs[p['proof']]
            ev.check_against_pin(ra, rb, h(p['pinFingerprintHex']), None)
            return True
        fam.check(f'pin: {p["name"]}', True if p['takes'] else p['error'], run)
    for s in d['selection']:
        def run(s=s):
            # "a proof beats every record, whatever its seq"
            return min(range(len(s['values'])), key=lambda i: 0 if s['values'][i] == 'proof' else 1)
        fam.check(f'selection: {s["name"]}', s['best'], run)
    return fam


# --- key-history.json -------------------------------------------------------------

def family_key_history(d: dict, records: dict) -> Family:
    fam = Family('key-history.json')
    v = d['valid']
    now = d['inputs']['validAt']
    responder = peer_id_mh(v['responder'])
    pinned = h(v['pinnedMlDsaPublicKeyHex'])
    from_fp, to_fp = h(v['fromFingerprintHex']), h(v['toFingerprintHex'])
    record_raw = h(records[v['record']]['recordHex'])

    def request():
        peer, frm, to = hi.check_request(h(v['requestHex']), responder)
        expect_equal('fromFingerprintHex', frm, from_fp)
        expect_equal('toFingerprintHex', to, to_fp)
        expect_equal('from = SHA-256 of the pinned key', sha256(pinned), from_fp)
        r = rec.decode_record(record_raw)
        expect_equal('to = the record\'s oldest fingerprint', r.history[-1].previous_fingerprint, to_fp)
        return ACCEPT
    fam.check('valid: request (the responder\'s checks)', ACCEPT, request)
    for iv in d.get('invalidRequests', []):
        fam.check(f'invalid request: {iv["name"]}', iv['error'],
                  lambda iv=iv: hi.check_request(h(iv['requestHex']), responder) and ACCEPT)

    def response():
        links = hi.check_response(h(v['responseHex']), asked=responder, remote=responder,
                                  from_fp=from_fp, to_fp=to_fp, pinned_key=pinned)
        r = rec.validate_record(record_raw, now, expected_peer=responder)
        n = hi.follow(r, hi.Pin(sha256(pinned), pinned), earlier=links)
        return f'rotations={n}'
    fam.check('valid: response, then admission follows from the pin', f'rotations={v["rotations"]}', response)

    def kept():
        r = rec.decode_record(record_raw)
        links = hi.check_response(h(v['keptHandOversHex']), asked=responder, remote=responder,
                                  from_fp=from_fp, to_fp=r.fingerprint(), pinned_key=pinned)
        if r.rotation is None or links[0].previous_fingerprint != r.rotation[0]:
            raise Mismatch('the newest kept hand-over is not the record\'s rotation proof')
        return ACCEPT
    fam.check('valid: keptHandOversHex, every hand-over K0 -> K4', ACCEPT, kept)

    # Self-tests, not vectors: "Beyond the bound" holds both messages to the
    # wire form before any field is read (ERR_MESSAGE_MALFORMED, then
    # ERR_MESSAGE_NOT_CANONICAL), so these fail there, not at the
    # responder's or requester's own checks.
    for name, raw, code in (
        ('request with unknown field 6 (0a 01 01 30 01)', '0a01013001', 'ERR_MESSAGE_NOT_CANONICAL'),
        ('request with field 1 twice', '0a01010a0102', 'ERR_MESSAGE_NOT_CANONICAL'),
        ('request with an empty field 1 written out', '0a00', 'ERR_MESSAGE_NOT_CANONICAL'),
        ('request with a length past the end, and unknown field 6', '30010a05', 'ERR_MESSAGE_MALFORMED'),
    ):
        fam.check(f'self-test: {name}', code, lambda raw=raw: hi.check_request(h(raw), responder) and ACCEPT)
    fam.check('self-test: response with an empty field 1 of a link written out', 'ERR_MESSAGE_NOT_CANONICAL',
              lambda: hi.check_response(h('0a020a00'), asked=responder, remote=responder,
                                        from_fp=from_fp, to_fp=to_fp, pinned_key=pinned) and ACCEPT)

    for iv in d['invalid']:
        def run(iv=iv):
            remote = peer_id_mh(iv['remote']) if 'remote' in iv else responder
            hi.check_response(h(iv['responseHex']), asked=responder, remote=remote,
                              from_fp=from_fp, to_fp=to_fp, pinned_key=pinned)
            return ACCEPT
        fam.check(f'invalid: {iv["name"]}', iv['error'], run)
    return fam


# --- envelope.json ----------------------------------------------------------------

def family_envelope(d: dict) -> Family:
    fam = Family('envelope.json')
    rcp, snd = d['recipient'], d['sender']
    kem = en.XWingKey.from_seed(h(rcp['kemSeedHex']))
    rr = rec.decode_record(h(rcp['recordHex']))
    sr = rec.decode_record(h(snd['recordHex']))
    now = d['now']  # records and envelopes are checked at now

    def constants():
        if (d['suite']['kem'], d['suite']['kdf'], d['suite']['aead']) != (en.KEM_ID, en.KDF_ID, en.AEAD_ID):
            raise Mismatch(f'suite {d["suite"]}')
        if (d['domains']['info'], d['domains']['signature']) != (en.CTX_INFO, en.CTX_SIGNATURE):
            raise Mismatch(f'domains {d["domains"]}')
        if (d['limits']['maxSealedData'], d['limits']['maxEnvelopeBytes']) != (en.MAX_DATA, en.MAX_ENVELOPE_BYTES):
            raise Mismatch(f'limits {d["limits"]}')
        return ACCEPT
    fam.check('constants: suite, domains, limits', ACCEPT, constants)

    def parties():
        for who, p, r in (('recipient', rcp, rr), ('sender', snd, sr)):
            expect_equal(f'{who} PeerId from ed25519SeedHex', ed25519_peer(p['ed25519SeedHex']), r.peer_id)
            if b58encode(r.peer_id) != p['peerId']:
                raise Mismatch(f'{who} peerId string')
            expect_equal(f'{who} ML-DSA-65 key from mlDsaSeedHex', mldsa_pk(p['mlDsaSeedHex']), r.ml_dsa_public_key)
            rec.validate_record(r.raw, now, expected_peer=r.peer_id)
        if r.version != 2 or kem.public_key != rr.ml_kem_public_key + rr.x25519_public_key:
            raise Mismatch('the recipient record\'s X-Wing key is not kemSeedHex\'s')
        return ACCEPT
    fam.check('inputs: seeds give both records\' keys; both records valid', ACCEPT, parties)

    def open_(raw: bytes, state: dict = {}):
        """Opened at the file's `now` by the recipient in the vector's `receiver`
        state (absent: its record is the newest, its current KEM key
        kemSeedHex, no retired KEM keys, the directory holds the sender's
        record as given and has not looked it up lately)."""
        held = sr
        if state.get('senderRecordHex', '') is None:
            held = None
        elif 'senderRecordHex' in state:
            held = rec.validate_record(h(state['senderRecordHex']), now, expected_peer=sr.peer_id)
        retired = [(k['lastSeq'], k['erased'], None if k['erased'] else en.XWingKey.from_seed(h(k['kemSeedHex'])))
                   for k in state.get('retiredKemKeys', [])]
        return en.open_envelope(raw, self_id=rr.peer_id, newest_seq=state.get('newestRecordSeq', rr.seq),
                                kem=kem if state.get('hasCurrentKemKey', True) else None,
                                sender_record=held, retired=retired, sender_refusal=state.get('senderRefusedWith'),
                                sender_looked_up_recently=state.get('senderLookedUpWithinAMinute', False))

    def envelope_bytes(v: dict) -> bytes:
        """envelopeHex, or for one too big to write out, prefixHex then zeros up to lengthBytes."""
        if v['envelopeHex'] is None:
            return h(v['prefixHex']).ljust(v['lengthBytes'], b'\x00')
        return h(v['envelopeHex'])

    def rotation():
        sk2 = rec.validate_record(h(d['senderRotation']['k2RecordHex']), now, expected_peer=sr.peer_id)
        expect_equal('K2 from k2MlDsaSeedHex', mldsa_pk(d['senderRotation']['k2MlDsaSeedHex']), sk2.ml_dsa_public_key)
        proven = [k for k, current in en.sender_keys(sk2) if not current]
        expect_equal('K1, proven by the K2 record\'s history', mldsa_pk(d['senderRotation']['k1MlDsaSeedHex']),
                     proven[0] if proven else b'')
        return ACCEPT
    fam.check('inputs: the sender\'s K2 record, and the K1 its history proves', ACCEPT, rotation)

    for v in d['valid']:
        def run(v=v):
            raw = h(v['envelopeHex'])
            o = open_(raw, v.get('receiver', {}))
            expect_equal('dataHex', o.data, h(v['dataHex']))
            expect_equal('plaintextHex', o.plaintext, h(v['plaintextHex']))
            expect_equal('infoHex', o.envelope.info(), h(v['infoHex']))
            expect_equal('signedBytesHex', en.signed_bytes(o.envelope, o.sender_seq, o.data), h(v['signedBytesHex']))
            if b58encode(o.envelope.sender) != v['from']:
                raise Mismatch('from')
            # rebuild what can be rebuilt from ekmHex: the X25519 half of enc,
            # then the ciphertext (AES-GCM is deterministic given key and nonce)
            ekm = h(v['ekmHex'])
            ct_x = x25519.X25519PrivateKey.from_private_bytes(ekm[32:]).public_key().public_bytes_raw()
            expect_equal('enc[1088:] from ekmHex', ct_x, o.envelope.enc[1088:])
            key, nonce = en.hpke_base_key_schedule(en.xwing_decapsulate(kem, o.envelope.enc), o.envelope.info())
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            expect_equal('ciphertext re-sealed', AESGCM(key).encrypt(nonce, o.plaintext, b''), o.envelope.ciphertext)
            return ACCEPT
        fam.check(f'valid: {v["name"]}', ACCEPT, run)
    for v in d['invalid']:
        fam.check(f'invalid: {v["name"]}', v['error'],
                  lambda v=v: open_(envelope_bytes(v), v.get('receiver', {})) and ACCEPT)
    fam.skip('ML-KEM half of enc', 'cryptography 48 has no derandomized ML-KEM encapsulation: '
             'enc[0:1088] is decapsulated, not rebuilt from ekmHex')
    return fam


# --- session.json -----------------------------------------------------------------

def family_session(d: dict) -> Family:
    fam = Family('session.json')
    inp = d['inputs']
    parties = {
        'initiator': {'mh': ed25519_peer(inp['initiatorEd25519SeedHex']), 'dsa': inp['initiatorMlDsaSeedHex'],
                      'signature': h(d['initiatorSignatureHex']), 'hash': h(d['handshakeHashHex'])},
        'responder': {'mh': ed25519_peer(inp['responderEd25519SeedHex']), 'dsa': inp['responderMlDsaSeedHex'],
                      'signature': h(d['responderSignatureHex']), 'hash': h(d['responderSignedHashHex'])},
    }
    other = {'initiator': 'responder', 'responder': 'initiator'}

    def constants():
        if (d['noiseProtocolName'].encode(), d['prologueDomain'].encode()) != (se.PROTOCOL_NAME, se.PROLOGUE_DOMAIN):
            raise Mismatch('protocol name or prologue domain')
        if (d['contexts']['responder'], d['contexts']['initiator']) != (se.CTX_RESPONDER, se.CTX_INITIATOR):
            raise Mismatch('contexts')
        if d['wireProtocol'] != se.WIRE_PREFIX + inp['protocol']:
            raise Mismatch('wireProtocol')
        return ACCEPT
    fam.check('constants: Noise name, prologue domain, contexts, protocol id', ACCEPT, constants)

    def inputs_check():
        for role in ('initiator', 'responder'):
            if b58encode(parties[role]['mh']) != inp[f'{role}PeerId']:
                raise Mismatch(f'{role}PeerId is not its Ed25519 seed\'s')
            expect_equal(f'{role} ML-DSA-65 key from its seed', mldsa_pk(parties[role]['dsa']),
                         h(inp[f'{role}MlDsaPublicKeyHex']))
        expect_equal('prologueHex', se.prologue(parties['initiator']['mh'], parties['responder']['mh'], inp['protocol']),
                     h(d['prologueHex']))
        return ACCEPT
    fam.check('inputs: PeerIds and ML-DSA-65 keys from the seeds; the prologue', ACCEPT, inputs_check)

    def signer(role: str):
        """cryptography signs ML-DSA-65 hedged: the transcript's own signature is
        taken from the file (it is checked to verify), any other made hedged."""
        p = parties[role]

        def sign(hash_: bytes, context: str) -> bytes:
            if hash_ == p['hash'] and mldsa65_verify(mldsa_pk(p['dsa']), hash_, p['signature'], context):
                return p['signature']
            return mldsa.MLDSA65PrivateKey.from_seed_bytes(h(p['dsa'])).sign(hash_, context.encode('ascii'))
        return sign

    def reader(messages: list):
        queue = list(messages)

        def read() -> bytes:
            if not queue:
                raise se.SessionError('ERR_SESSION_CLOSED', 'the peer sent nothing more')
            return queue.pop(0)
        return read

    kem_ciphertext = {}

    def run(side: str, messages: dict, receiver: dict):
        """The side's handshake against the peer's messages (the vector's, else
        the valid transcript's), in the receiver state given."""
        me, peer = parties[side], parties[other[side]]
        remote = peer_id_mh(receiver['remotePeer']) if 'remotePeer' in receiver else peer['mh']
        dirv = receiver.get('directory', {'mlDsaPublicKeyHex': inp[f'{other[side]}MlDsaPublicKeyHex']})
        directory = se.Directory(key=h(dirv['mlDsaPublicKeyHex'])) if 'mlDsaPublicKeyHex' in dirv else se.Directory(error=dirv['error'])
        names = ('message2Hex', 'message4Hex') if side == 'initiator' else ('message1Hex', 'message3Hex')
        read = reader([h(messages.get(n, d[n])) for n in names])
        if side == 'initiator':
            return se.initiate(local_mh=me['mh'], remote_mh=remote, protocol=inp['protocol'], directory=directory,
                               x25519_private=h(inp['initiatorX25519PrivateHex']), mlkem_seed=h(inp['initiatorMlKemSeedHex']),
                               sign=signer(side), read=read)

        # cryptography has no derandomized ML-KEM encapsulation: the responder's
        # ciphertext is the transcript's, its secret decapsulated with the initiator's seed.
        def encapsulate(e1: bytes):
            dk = mlkem.MLKEM768PrivateKey.from_seed_bytes(h(inp['initiatorMlKemSeedHex']))
            ct = kem_ciphertext['valid']
            return ct, dk.decapsulate(ct)
        return se.respond(local_mh=me['mh'], remote_mh=remote, protocol=inp['protocol'], directory=directory,
                          x25519_private=h(inp['responderX25519PrivateHex']), encapsulate=encapsulate,
                          sign=signer(side), read=read)

    def valid_initiator():
        o = run('initiator', {}, {})
        kem_ciphertext['valid'] = o.kem_ciphertext
        expect_equal('message1Hex', o.sent[0], h(d['message1Hex']))
        expect_equal('message3Hex', o.sent[1], h(d['message3Hex']))
        expect_equal('responderSignedHashHex', o.signed_hash, h(d['responderSignedHashHex']))
        expect_equal('handshakeHashHex', o.handshake_hash, h(d['handshakeHashHex']))
        expect_equal('initiatorSampleFrameHex', o.send.encrypt(b'', h(inp['initiatorSampleHex'])), h(d['initiatorSampleFrameHex']))
        expect_equal('responderSampleFrameHex', o.receive.decrypt(b'', h(d['responderSampleFrameHex'])), h(inp['responderSampleHex']))
        return ACCEPT
    fam.check('valid: the initiator rebuilds messages 1 and 3, both hashes, the sample frames', ACCEPT, valid_initiator)

    def valid_responder():
        o = run('responder', {}, {})
        expect_equal('message2Hex', o.sent[0], h(d['message2Hex']))
        expect_equal('message4Hex', o.sent[1], h(d['message4Hex']))
        expect_equal('handshakeHashHex', o.handshake_hash, h(d['handshakeHashHex']))
        expect_equal('responderSampleFrameHex', o.send.encrypt(b'', h(inp['responderSampleHex'])), h(d['responderSampleFrameHex']))
        return ACCEPT
    fam.check('valid: the responder rebuilds messages 2 and 4, the handshake hash, its sample frame', ACCEPT, valid_responder)

    for v in d.get('invalid', []):
        fam.check(f'invalid ({v["side"]}): {v["name"]}', v['error'],
                  lambda v=v: run(v['side'], v['messages'], v.get('receiver', {})) and ACCEPT)
    fam.skip('the responder\'s ML-KEM encapsulation', 'cryptography 48 has no derandomized ML-KEM encapsulation: '
             'the responder\'s ciphertext is message 2\'s, its secret decapsulated with initiatorMlKemSeedHex, '
             'not rebuilt from encapsulationRandomnessHex')
    return fam


# --- kad-get.json -----------------------------------------------------------------

def family_kad_get(d: dict) -> Family:
    fam = Family('kad-get.json')
    key = h(d['key'])

    def request():
        expect_equal('request', kg.encode_request(key), h(d['request']))
        w = kg.decode(h(d['request']))
        if (w.one(1), w.one(2)) != (kg.GET_VALUE, key):
            raise Mismatch('request: type / key')
        return ACCEPT
    fam.check('request: GET_VALUE for `key`, encoded', ACCEPT, request)

    def answer():
        got = kg.read_answer(h(d['answer']), key)
        want = d['decoded']
        expect_equal('decoded.recordKey', got['recordKey'], h(want['recordKey']))
        expect_equal('decoded.recordValue', got['recordValue'], h(want['recordValue']))
        mine = [{'id': p['id'].hex(), 'addrs': [kg.multiaddr_to_string(a) for a in p['addrs']]}
                for p in got['closerPeers']]
        if mine != want['closerPeers']:
            raise Mismatch(f'decoded.closerPeers: computed {mine}')
        return ACCEPT
    fam.check('answer: record and closer peers as `decoded`', ACCEPT, answer)
    for iv in d.get('invalid', []):
        fam.check(f'invalid answer: {iv["name"]}', iv['error'], lambda iv=iv: kg.read_answer(h(iv['answer']), key) and ACCEPT)
    return fam


# --- ml-dsa-peer-id.json ----------------------------------------------------------

B58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'


def base58btc(data: bytes) -> str:
    n = int.from_bytes(data, 'big')
    out = ''
    while n > 0:
        n, r = divmod(n, 58)
        out = B58_ALPHABET[r] + out
    return '1' * (len(data) - len(data.lstrip(b'\0'))) + out


def ml_dsa_libp2p_public_key(key: bytes) -> bytes:
    """The libp2p PublicKey protobuf { Type = 4, Data = 0x02 || key } of an ML-DSA-65 key."""
    data = bytes([2]) + key
    length = len(data)
    return bytes([0x08, 4, 0x12, (length & 0x7f) | 0x80, length >> 7]) + data


def ml_dsa_peer_id(key: bytes) -> bytes:
    """The ML-DSA PeerId's multihash: 0x12 0x20 || SHA-256(PublicKey protobuf)."""
    return bytes([0x12, 0x20]) + hashlib.sha256(ml_dsa_libp2p_public_key(key)).digest()


def validate_under_ml_dsa_key(raw: bytes, now: int, routing_key: bytes):
    """record-format.md, "DHT key": a record under /pqk/ + a multihash is taken
    when that multihash is its PeerId or the ML-DSA PeerId of its own ML-DSA-65
    key (step 10 of the validation order); every other rule as for any record."""
    from keydir_spec.prims import parse_routing_key
    mh = parse_routing_key(routing_key)
    if mh is None:
        raise rec.RecordError('ERR_BAD_ROUTING_KEY')
    r = rec.decode_record(raw)
    if mh != r.peer_id and mh != ml_dsa_peer_id(r.ml_dsa_public_key):
        raise rec.RecordError('ERR_PEER_ID_MISMATCH', 'neither the PeerId nor the ML-DSA PeerId of the record')
    return rec.validate_record(raw, now)


def family_ml_dsa_peer_id(d: dict) -> Family:
    """record-format.md, "ML-DSA PeerId": PublicKey { Type = 4, Data = 0x02 || key },
    SHA-256 multihash, base58btc text. The key is rebuilt from its seed. Then
    records under an ML-DSA PeerId's DHT key ("DHT key")."""
    from cryptography.hazmat.primitives import serialization
    fam = Family('ml-dsa-peer-id.json')
    for v in d['vectors']:
        def one(v=v):
            key = mldsa.MLDSA65PrivateKey.from_seed_bytes(h(v['mlDsaSeedHex'])).public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            expect_equal('mlDsaPublicKey', key, h(v['mlDsaPublicKeyHex']))
            encoded = ml_dsa_libp2p_public_key(key)
            expect_equal('libp2pPublicKeyPrefix', encoded[:6], h(v['libp2pPublicKeyPrefixHex']))
            if len(encoded) != v['libp2pPublicKeyLength']:
                raise Mismatch(f'libp2pPublicKeyLength: computed {len(encoded)}')
            multihash = ml_dsa_peer_id(key)
            expect_equal('peerIdMultihash', multihash, h(v['peerIdMultihashHex']))
            if base58btc(multihash) != v['peerId']:
                raise Mismatch(f'peerId: computed {base58btc(multihash)}')
            return ACCEPT
        fam.check(f'{v["name"]}: its ML-DSA PeerId', ACCEPT, one)
    under = d['underRoutingKey']
    now = under['validAt']
    for v in under['valid']:
        fam.check(f'under key: {v["name"]}', ACCEPT,
                  lambda v=v: validate_under_ml_dsa_key(h(v['recordHex']), now, h(v['routingKeyHex'])) and ACCEPT)
    for v in under['invalid']:
        fam.check(f'under key, invalid: {v["name"]}', v['error'],
                  lambda v=v: validate_under_ml_dsa_key(h(v['recordHex']), now, h(v['routingKeyHex'])) and ACCEPT)
    for v in under.get('notRecords', []):
        fam.check(f'under key, not a record: {v["name"]}', v['error'],
                  lambda v=v: other_value_under_ml_dsa_key(v['kind'], h(v['valueHex']), now, h(v['routingKeyHex'])) and ACCEPT)
    return fam


def other_value_under_ml_dsa_key(kind: str, raw: bytes, now: int, routing_key: bytes):
    """record-format.md, "DHT key": a revocation or an equivocation proof
    under /pqk/ + a multihash must name that multihash as its PeerId; an
    ML-DSA PeerId is never one, so both are refused there."""
    from keydir_spec.prims import parse_routing_key
    mh = parse_routing_key(routing_key)
    if kind == 'revocation':
        return rv.validate_revocation(raw, now, routing_key=routing_key)
    if kind == 'equivocation':
        if mh is None:
            raise ev.EvidenceError('ERR_EVIDENCE_PEER_MISMATCH', 'not a /pqk/ key')
        return ev.validate_proof(raw, expected_peer=mh)
    raise Mismatch(f'unknown kind {kind}')


# --- notes: what the spec says of other libraries, tried on this machine's ---

def library_notes(kr: dict) -> list:
    """Not vectors, and no part of the exit status: claims of the spec about
    OpenSSL, tried with the `cryptography` package's OpenSSL, so that a
    reader who relies on them knows where they hold."""
    from cryptography.hazmat.backends.openssl import backend
    notes = []
    ossl = backend.openssl_version_text()
    v = next(x for x in kr['invalid'] if x['name'].startswith('Ed25519 key the identity point'))
    r = rec.decode_record(h(v['recordHex']))
    try:
        ossl_ed25519.Ed25519PublicKey.from_public_bytes(r.peer_id[6:]).verify(
            r.libp2p_signature, rec.record_bytes(r))
        notes.append(f'{ossl} Ed25519 ACCEPTS the vector "{v["name"]}", as record-format.md '
                     '"Ed25519 rule" warns: this verifier checks the rule itself.')
    except Exception:
        notes.append(f'{ossl} Ed25519 refuses "{v["name"]}" (record-format.md: not every OpenSSL does).')
    k = x25519.X25519PrivateKey.from_private_bytes(bytes(range(32)))
    from keydir_spec.prims import X25519_SMALL_ORDER
    derived = []
    for u in sorted(X25519_SMALL_ORDER):
        try:
            k.exchange(x25519.X25519PublicKey.from_public_bytes(u.to_bytes(32, 'little')))
            derived.append(hex(u))
        except ValueError:
            pass
    notes.append(f'{ossl} X25519 refuses to derive with each of the five small-order u'
                 if not derived else f'{ossl} X25519 derives with small-order u {derived}')
    return notes


# --- main --------------------------------------------------------------------------

def main(argv: list) -> int:
    args = [a for a in argv if not a.startswith('-')]
    verbose = '-v' in argv
    dir_ = args[0] if args else os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'vectors')
    fams = []
    try:
        kr = load(dir_, 'key-record.json')
        fams.append(family_key_record(kr))
        fams.append(family_key_exchange(load(dir_, 'key-exchange.json')))
        fams.append(family_key_push(load(dir_, 'key-push.json')))
        fams.append(family_revocation(load(dir_, 'revocation.json')))
        fams.append(family_equivocation(load(dir_, 'equivocation.json')))
        fams.append(family_key_history(load(dir_, 'key-history.json'), {v['name']: v for v in kr['valid']}))
        fams.append(family_envelope(load(dir_, 'envelope.json')))
        fams.append(family_kad_get(load(dir_, 'kad-get.json')))
        fams.append(family_ml_dsa_peer_id(load(dir_, 'ml-dsa-peer-id.json')))
        fams.append(family_session(load(dir_, 'session.json')))
    except FileNotFoundError as e:
        print(f'missing vector file: {e.filename}', file=sys.stderr)
        return 2
    known = {f.file for f in fams}
    for name in sorted(os.listdir(dir_)):
        if name.endswith('.json') and name not in known:
            fam = Family(name)
            fam.skip('(whole file)', 'no checker for this file: unknown to this verifier')
            fams.append(fam)

    for f in fams:
        print(f.line())
    if verbose:
        for f in fams:
            for name, expected, got in f.results:
                mark = 'ok      ' if got == expected else 'DISAGREE'
                print(f'  {mark} {f.file}: {name}: {got}')
    bad = 0
    for f in fams:
        for name, reason in f.skipped:
            print(f'  skipped  {f.file}: {name}: {reason}')
        for name, expected, got, detail in f.disagreements:
            bad += 1
            print(f'  DISAGREE {f.file}: {name}: expected {expected}, got {got}')
            for line in detail.strip().splitlines():
                print(f'           {line}')
    for n in library_notes(kr):
        print(f'  note     {n}')
    total = sum(f.checked for f in fams)
    print(f'total: checked {total}, disagreed {bad}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
