"""Protection of ID numbers at rest: authenticated encryption and a keyed hash for look-up.

From one master key, HKDF derives two independent keys: one for AES-256-GCM (each number with its
own random nonce, so equal numbers never look equal), one for HMAC-SHA256 (equal numbers give the
same look-up hash, which reveals nothing without the key).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_CONTEXT = b"anxin resident id"


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"anxin/" + purpose).derive(master)


class IdProtector:
    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(_derive(master_key, b"encrypt"))
        self._mac_key = _derive(master_key, b"lookup")

    def lookup_hash(self, number: str) -> str:
        return hmac.new(self._mac_key, number.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, number.encode(), _CONTEXT)

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], _CONTEXT).decode()
