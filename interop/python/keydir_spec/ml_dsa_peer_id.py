"""The ML-DSA PeerId of an ML-DSA-65 key, from record-format.md "ML-DSA
PeerId" (libp2p RFC 0004, a draft), and step 10 of the validation order,
which takes a record under either of its PeerIds."""

from __future__ import annotations

from .prims import ML_DSA_PK, b58encode, sha256
from .wire import encode_varint

MLDSA_KEY_TYPE = 4      # libp2p PublicKey.Type MLDSA
ML_DSA_65_VARIANT = 2   # the variant byte before the key
SHA256_MH_PREFIX = bytes([0x12, 0x20])


def libp2p_public_key(key: bytes) -> bytes:
    """Step 1: PublicKey { Type (field 1, varint) = 4, Data (field 2, bytes)
    = 0x02 || key }, the 1,958 bytes 08 04 12 a1 0f 02 || key."""
    if len(key) != ML_DSA_PK:
        raise ValueError(f'an ML-DSA-65 key is {ML_DSA_PK} bytes, not {len(key)}')
    data = bytes([ML_DSA_65_VARIANT]) + key
    return bytes([0x08]) + encode_varint(MLDSA_KEY_TYPE) + bytes([0x12]) + encode_varint(len(data)) + data


def ml_dsa_peer_id(key: bytes) -> bytes:
    """Step 2: the SHA-256 multihash 0x12 0x20 || SHA-256(PublicKey), 34 bytes."""
    return SHA256_MH_PREFIX + sha256(libp2p_public_key(key))


def ml_dsa_peer_id_text(key: bytes) -> str:
    """Step 3: base58btc of the multihash, starting `Qm`."""
    return b58encode(ml_dsa_peer_id(key))


def is_sha256_multihash(mh: bytes) -> bool:
    return len(mh) == 34 and mh[:2] == SHA256_MH_PREFIX


def names_record(mh: bytes, peer_id: bytes, ml_dsa_public_key: bytes) -> bool:
    """Validation order step 10: the multihash asked for (or a DHT key's rest
    after /pqk/) is field 1 byte for byte, or a SHA-256 multihash equal to
    the ML-DSA PeerId of field 2."""
    if mh == peer_id:
        return True
    return is_sha256_multihash(mh) and mh == ml_dsa_peer_id(ml_dsa_public_key)
