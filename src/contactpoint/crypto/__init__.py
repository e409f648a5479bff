"""Crypto: the key hierarchy, envelope encryption and the blind index.

master key file (key-encryption keys, KEKs)
  └─ wraps, in the separate key store:
       ├─ one data key per child (AES-256-GCM; the child's id bound in as associated data)
       ├─ the blind-index key (HMAC-SHA256 over normalised matching values)
       ├─ the second-factor key (AES-256-GCM over authenticator apps' keys)
       └─ the session key (AES-256-GCM over signed-in sessions)
"""
