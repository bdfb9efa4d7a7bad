"""Generates the known-answer vectors in litellm-vectors.ts. Run once: python3 generate-litellm-vectors.py

Independent of our TypeScript: AES-GCM and HKDF come from pyca/cryptography (the library LiteLLM itself uses),
XSalsa20-Poly1305 from libsodium's crypto_secretbox_easy (what PyNaCl's SecretBox wraps). Each value is built the
way LiteLLM's litellm/proxy/common_utils/encrypt_decrypt_utils.py builds it, with a fixed nonce instead of a
random one so that the output is reproducible.
"""

import base64
import ctypes
import ctypes.util
import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SALT_KEY = "sk-switchyard-known-answer-salt"
PLAINTEXT = "sk-proj-known-answer-\u00fcnicode-\U0001f511"

sha256_key = hashlib.sha256(SALT_KEY.encode()).digest()
hkdf_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"litellm-at-rest-v3").derive(SALT_KEY.encode())


def gcm(prefix: str, key: bytes, nonce: bytes) -> str:
    return prefix + base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, PLAINTEXT.encode(), None)).decode()


sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert sodium.sodium_init() >= 0


def secretbox(key: bytes, nonce: bytes) -> bytes:
    message = PLAINTEXT.encode()
    out = ctypes.create_string_buffer(len(message) + 16)
    assert sodium.crypto_secretbox_easy(out, message, ctypes.c_ulonglong(len(message)), nonce, key) == 0
    return nonce + out.raw  # PyNaCl's EncryptedMessage: nonce(24) || mac(16) || ciphertext


print(f"SALT_KEY = {SALT_KEY!r}")
print(f"PLAINTEXT = {PLAINTEXT!r}")
print("v3:", gcm("v3:gcm:", hkdf_key, bytes(range(12))))
print("v2:", gcm("v2:gcm:", sha256_key, bytes(range(16, 28))))
# Pick a nonce whose encoding has the characters that differ between the two base64 alphabets, so the
# standard-alphabet vector (LiteLLM before it switched to urlsafe_b64encode) really differs from the urlsafe one.
for start in range(32, 256):
    legacy = secretbox(sha256_key, bytes((start + i) % 256 for i in range(24)))
    urlsafe, standard = base64.urlsafe_b64encode(legacy).decode(), base64.b64encode(legacy).decode()
    if urlsafe != standard and "=" in urlsafe:
        print("legacy urlsafe:", urlsafe)
        print("legacy standard:", standard)
        break
