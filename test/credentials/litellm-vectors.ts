/**
 * Known-answer vectors, produced once by generate-litellm-vectors.py (next to
 * this file) with pyca/cryptography — the library LiteLLM uses — for AES-GCM
 * and HKDF, and libsodium's crypto_secretbox_easy (what PyNaCl wraps) for the
 * legacy format, each built the way LiteLLM's
 * litellm/proxy/common_utils/encrypt_decrypt_utils.py builds it, with fixed
 * nonces. None of our TypeScript took part in making them.
 */
export const vectorSaltKey = "sk-switchyard-known-answer-salt";
export const vectorPlaintext = "sk-proj-known-answer-\u00fcnicode-\u{1f511}";

/** HKDF-SHA256 key, AES-256-GCM, nonce 00..0b. */
export const v3Vector =
  "v3:gcm:AAECAwQFBgcICQoLxzHBQc1i8RBdYZKyg5vubkDhen0EPLew02MQ_-EYZKeDdl945B4BbHxLdf5jvfgZW2g=";

/** SHA-256 key, AES-256-GCM, nonce 10..1b. */
export const v2Vector =
  "v2:gcm:EBESExQVFhcYGRobsuNP6Uk8skDL4QBIP8IvlJw2wRrB97__yW0XaLSR-jQX48vOcfEy9MrFLuwCjCptE_U=";

/** SHA-256 key, XSalsa20-Poly1305 secretbox, nonce 20..37, urlsafe base64 (current LiteLLM). */
export const legacyUrlsafeVector =
  "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3frWFi2OStYF_9sPa6-IGbafQswExiNeuqeuAAmjV16HBC3Ob73-W56Hj-5JOsqW7V4Y=";

/** The same bytes in standard base64, as LiteLLM wrote them before switching to urlsafe. */
export const legacyStandardVector =
  "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3frWFi2OStYF/9sPa6+IGbafQswExiNeuqeuAAmjV16HBC3Ob73+W56Hj+5JOsqW7V4Y=";
