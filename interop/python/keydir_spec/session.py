"""The secure-session handshake, from docs/session.md ("The pattern",
"Messages", "Prologue", "Transcript, signatures, keys", "Transport",
"Error codes", "Limits") and protobuf/session.proto, with the Noise
Protocol Framework (revision 34) sections 4 and 5 for the symmetric state:
Noise_NNhfs_25519+MLKEM768_ChaChaPoly_SHA256, then two SessionIdentity
payloads signed with ML-DSA-65.

Both roles are written here: the initiator reads messages 2 and 4, the
responder messages 1 and 3, each check in session.md's order, each refusal
a SessionError with the spec's code.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Callable, Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from .prims import ML_DSA_SIG, ML_KEM_PK, mldsa65_verify, mlkem768_key_ok
from .wire import Field, Malformed, NotCanonical, read_varint, walk, walk_lenient

PROTOCOL_NAME = b'Noise_NNhfs_25519+MLKEM768_ChaChaPoly_SHA256'
PROLOGUE_DOMAIN = b'keydir-session/1'
CTX_RESPONDER = 'keydir-session/1/responder'
CTX_INITIATOR = 'keydir-session/1/initiator'
WIRE_PREFIX = '/keydir/secure/1.0.0'
DH_LEN, TAG_LEN, KEM_CT = 32, 16, 1088
MESSAGE1_BYTES = DH_LEN + ML_KEM_PK                                # 1,216
MESSAGE2_FIXED = DH_LEN + KEM_CT + TAG_LEN                          # 32 + 1104
MAX_IDENTITY = 3500
MIN_SEALED_IDENTITY, MAX_SEALED_IDENTITY = 3329, MAX_IDENTITY + TAG_LEN
MESSAGE4_BYTES = TAG_LEN

SESSION_IDENTITY = {
    1: Field('peer_id', 'bytes'),
    2: Field('signature', 'bytes'),
}

# libp2p's PublicKey (peer-ids spec): Type 1 = Ed25519, 2 = secp256k1.
LIBP2P_PUBLIC_KEY = {
    1: Field('type', 'uint32'),
    2: Field('data', 'bytes'),
}
MH_IDENTITY, MH_SHA2_256 = 0x00, 0x12


class SessionError(Exception):
    def __init__(self, code: str, detail: str = ''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


def lp16(b: bytes) -> bytes:
    return struct.pack('>H', len(b)) + b


def prologue(dialer_mh: bytes, listener_mh: bytes, protocol: str) -> bytes:
    """session.md "Prologue"."""
    return lp16(PROLOGUE_DOMAIN) + lp16(dialer_mh) + lp16(listener_mh) + lp16(protocol.encode('ascii'))


# --- Noise, sections 4.2 (ChaChaPoly), 4.3 (SHA-256, HKDF), 5.1, 5.2 ----------

def _encrypt(k: bytes, n: int, ad: bytes, plaintext: bytes) -> bytes:
    return ChaCha20Poly1305(k).encrypt(b'\x00' * 4 + struct.pack('<Q', n), plaintext, ad)


def _decrypt(k: bytes, n: int, ad: bytes, ciphertext: bytes) -> bytes:
    try:
        return ChaCha20Poly1305(k).decrypt(b'\x00' * 4 + struct.pack('<Q', n), ciphertext, ad)
    except InvalidTag:
        raise SessionError('ERR_SESSION_DECRYPT')


def hkdf2(ck: bytes, ikm: bytes):
    """Noise's HKDF with two outputs (section 4.3), HMAC-SHA256."""
    temp = hmac.new(ck, ikm, hashlib.sha256).digest()
    out1 = hmac.new(temp, b'\x01', hashlib.sha256).digest()
    return out1, hmac.new(temp, out1 + b'\x02', hashlib.sha256).digest()


class CipherState:
    def __init__(self, k: Optional[bytes] = None):
        self.k, self.n = k, 0

    def encrypt(self, ad: bytes, plaintext: bytes) -> bytes:
        out = _encrypt(self.k, self.n, ad, plaintext)
        self.n += 1
        return out

    def decrypt(self, ad: bytes, ciphertext: bytes) -> bytes:
        out = _decrypt(self.k, self.n, ad, ciphertext)
        self.n += 1
        return out


class SymmetricState:
    def __init__(self):
        # The name is longer than 32 bytes: h = SHA-256(name); ck = h.
        self.h = hashlib.sha256(PROTOCOL_NAME).digest() if len(PROTOCOL_NAME) > 32 else PROTOCOL_NAME.ljust(32, b'\x00')
        self.ck = self.h
        self.cipher = CipherState()

    def mix_hash(self, data: bytes) -> None:
        self.h = hashlib.sha256(self.h + data).digest()

    def mix_key(self, ikm: bytes) -> None:
        self.ck, k = hkdf2(self.ck, ikm)
        self.cipher = CipherState(k)

    def encrypt_and_hash(self, plaintext: bytes) -> bytes:
        c = plaintext if self.cipher.k is None else self.cipher.encrypt(self.h, plaintext)
        self.mix_hash(c)
        return c

    def decrypt_and_hash(self, ciphertext: bytes) -> bytes:
        p = ciphertext if self.cipher.k is None else self.cipher.decrypt(self.h, ciphertext)
        self.mix_hash(ciphertext)
        return p

    def split(self):
        k1, k2 = hkdf2(self.ck, b'')
        return CipherState(k1), CipherState(k2)


def dh(private: bytes, public: bytes) -> bytes:
    """X25519; a public key that gives no secret (a low-order point) is ERR_SESSION_BAD_KEY."""
    try:
        secret = x25519.X25519PrivateKey.from_private_bytes(private).exchange(
            x25519.X25519PublicKey.from_public_bytes(public))
    except ValueError as e:
        raise SessionError('ERR_SESSION_BAD_KEY', f'X25519: {e}')
    if secret == b'\x00' * 32:
        raise SessionError('ERR_SESSION_BAD_KEY', 'X25519 secret all zero')
    return secret


# --- SessionIdentity ----------------------------------------------------------

@dataclass
class Identity:
    peer_id: bytes
    signature: bytes


def encode_identity(peer_id: bytes, signature: bytes) -> bytes:
    return b'\x0a' + _varint(len(peer_id)) + peer_id + b'\x12' + _varint(len(signature)) + signature


def _varint(n: int) -> bytes:
    out = b''
    while n >= 0x80:
        out += bytes([n & 0x7f | 0x80])
        n >>= 7
    return out + bytes([n])


def decode_identity(raw: bytes) -> Identity:
    """At most 3,500 bytes, canonical, a 3,309-byte signature, a PeerId that
    decodes; ERR_SESSION_BAD_MESSAGE otherwise."""
    if len(raw) > MAX_IDENTITY:
        raise SessionError('ERR_SESSION_BAD_MESSAGE', f'identity of {len(raw)} bytes')
    try:
        w = walk(raw, SESSION_IDENTITY, 'SessionIdentity')
    except (Malformed, NotCanonical) as e:
        raise SessionError('ERR_SESSION_BAD_MESSAGE', f'identity: {e}')
    peer_id, signature = w.one(1, b''), w.one(2, b'')
    if len(signature) != ML_DSA_SIG:
        raise SessionError('ERR_SESSION_BAD_MESSAGE', f'identity signature of {len(signature)} bytes')
    if not is_peer_id(peer_id):
        raise SessionError('ERR_SESSION_BAD_MESSAGE', 'identity PeerId does not parse')
    return Identity(peer_id, signature)


def is_peer_id(mh: bytes) -> bool:
    """session.md, SessionIdentity's peer_id: a multihash (varint code,
    varint length, exactly that many bytes) that is sha2-256 of 32 bytes, or
    identity of a libp2p PublicKey holding an Ed25519 key (32 bytes) or a
    secp256k1 point (33 or 65 bytes, on the curve)."""
    try:
        code, pos, _ = read_varint(mh, 0, len(mh))
        size, pos, _ = read_varint(mh, pos, len(mh))
        if len(mh) - pos != size:
            return False
        if code == MH_SHA2_256:
            return size == 32
        if code != MH_IDENTITY:
            return False
        key = walk_lenient(mh[pos:], LIBP2P_PUBLIC_KEY, 'PublicKey')
    except Malformed:
        return False
    key_type, data = key.one(1, 0), key.one(2, b'')
    if key_type == 1:
        return len(data) == 32
    if key_type == 2:
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), data)
            return True
        except ValueError:
            return False
    return False


def check_identity(payload: bytes, remote_mh: bytes, key: bytes, signed_hash: bytes, context: str) -> None:
    """The identity's PeerId is the connection's remote PeerId, then its
    signature verifies with the directory's key for that peer."""
    identity = decode_identity(payload)
    if identity.peer_id != remote_mh:
        raise SessionError('ERR_SESSION_PEER_MISMATCH')
    if not mldsa65_verify(key, signed_hash, identity.signature, context):
        raise SessionError('ERR_SESSION_BAD_SIGNATURE')


@dataclass
class Directory:
    """The directory's answer for the remote peer: its ML-DSA-65 key, or the
    resolve's refusal (ERR_REVOKED, ERR_EQUIVOCATION, ERR_NOT_FOUND, ...)."""
    key: Optional[bytes] = None
    error: Optional[str] = None

    def vouch(self) -> bytes:
        if self.error == 'ERR_REVOKED':
            raise SessionError('ERR_SESSION_PEER_REVOKED')
        if self.error == 'ERR_EQUIVOCATION':
            raise SessionError('ERR_SESSION_PEER_EQUIVOCATED')
        if self.error is not None:
            raise SessionError('ERR_SESSION_PEER_UNKNOWN', self.error)
        return self.key


@dataclass
class Outcome:
    sent: list             # the Noise messages this side sent, in order
    handshake_hash: bytes
    signed_hash: bytes     # h_R
    kem_ciphertext: bytes  # the ML-KEM-768 ciphertext of message 2
    send: CipherState
    receive: CipherState


# --- The initiator: send 1, read 2, send 3, read 4 -----------------------------

def initiate(*, local_mh: bytes, remote_mh: bytes, protocol: str, directory: Directory,
             x25519_private: bytes, mlkem_seed: bytes,
             sign: Callable[[bytes, str], bytes], read: Callable[[], bytes]) -> Outcome:
    key = directory.vouch()                                          # nothing sent unless vouched for
    s = SymmetricState()
    s.mix_hash(prologue(local_mh, remote_mh, protocol))
    e = x25519.X25519PrivateKey.from_private_bytes(x25519_private).public_key().public_bytes_raw()
    e1 = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed)
    s.mix_hash(e)
    c1 = s.encrypt_and_hash(e1.public_key().public_bytes_raw())
    s.encrypt_and_hash(b'')
    message1 = e + c1

    message2 = read()
    if not MESSAGE2_FIXED + MIN_SEALED_IDENTITY <= len(message2) <= MESSAGE2_FIXED + MAX_SEALED_IDENTITY:
        raise SessionError('ERR_SESSION_BAD_MESSAGE', f'message 2 of {len(message2)} bytes')
    e_r = message2[:DH_LEN]
    s.mix_hash(e_r)
    s.mix_key(dh(x25519_private, e_r))
    ct = s.decrypt_and_hash(message2[DH_LEN:MESSAGE2_FIXED])
    s.mix_key(e1.decapsulate(ct))
    h_r = s.h
    payload = s.decrypt_and_hash(message2[MESSAGE2_FIXED:])
    c_ir, c_ri = s.split()
    h_i = s.h
    # (on a failed signature keydir looks the peer up once more; the vectors' directory has nothing newer)
    check_identity(payload, remote_mh, key, h_r, CTX_RESPONDER)
    message3 = c_ir.encrypt(b'', encode_identity(local_mh, sign(h_i, CTX_INITIATOR)))

    message4 = read()
    if len(message4) != MESSAGE4_BYTES:
        raise SessionError('ERR_SESSION_BAD_MESSAGE', f'message 4 of {len(message4)} bytes')
    if c_ri.decrypt(b'', message4) != b'':
        raise SessionError('ERR_SESSION_BAD_MESSAGE', 'message 4 is not empty')
    return Outcome([message1, message3], h_i, h_r, ct, c_ir, c_ri)


# --- The responder: read 1, send 2, read 3, send 4 -----------------------------

def respond(*, local_mh: bytes, remote_mh: bytes, protocol: str, directory: Directory,
            x25519_private: bytes, encapsulate: Callable[[bytes], tuple],
            sign: Callable[[bytes, str], bytes], read: Callable[[], bytes]) -> Outcome:
    s = SymmetricState()
    s.mix_hash(prologue(remote_mh, local_mh, protocol))
    message1 = read()
    if len(message1) != MESSAGE1_BYTES:
        raise SessionError('ERR_SESSION_BAD_MESSAGE', f'message 1 of {len(message1)} bytes')
    e_i = message1[:DH_LEN]
    s.mix_hash(e_i)
    e1 = s.decrypt_and_hash(message1[DH_LEN:])
    if s.decrypt_and_hash(b'') != b'':
        raise SessionError('ERR_SESSION_BAD_MESSAGE', 'message 1 payload')
    key = directory.vouch()                                          # nothing signed unless vouched for

    e = x25519.X25519PrivateKey.from_private_bytes(x25519_private).public_key().public_bytes_raw()
    s.mix_hash(e)
    s.mix_key(dh(x25519_private, e_i))
    if not mlkem768_key_ok(e1):
        raise SessionError('ERR_SESSION_BAD_KEY', 'e1 fails the ML-KEM-768 key check')
    ct, ss = encapsulate(e1)
    sealed_ct = s.encrypt_and_hash(ct)
    s.mix_key(ss)
    h_r = s.h
    sealed_identity = s.encrypt_and_hash(encode_identity(local_mh, sign(h_r, CTX_RESPONDER)))
    c_ir, c_ri = s.split()
    h_i = s.h
    message2 = e + sealed_ct + sealed_identity

    message3 = read()
    check_identity(c_ir.decrypt(b'', message3), remote_mh, key, h_i, CTX_INITIATOR)
    message4 = c_ri.encrypt(b'', b'')
    return Outcome([message2, message4], h_i, h_r, ct, c_ri, c_ir)
