/*
 * vault: encryption of Tesla tokens at rest, byte-compatible with
 * TeslaMate's stored tokens (Cloak's AES.GCM cipher with key tag
 * "AES.GCM.V1").
 *
 * Key: SHA-256 of the ENCRYPTION_KEY bytes. Blob layout:
 *   0x01, 0x0A, "AES.GCM.V1", 12-byte IV, 16-byte GCM tag, ciphertext
 * with the 9 ASCII bytes "AES256GCM" as additional authenticated data.
 *
 * Contract: vault_init() must succeed once before any other call; it fails
 * where libsodium has no hardware AES-GCM. Encrypt and decrypt allocate
 * their output with malloc; free plaintext with vault_free_secret(), which
 * wipes it first. Nothing here logs: callers report the status.
 */
#ifndef TENANTMATE_VAULT_H
#define TENANTMATE_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#define VAULT_KEY_BYTES 32
#define VAULT_IV_BYTES 12
#define VAULT_TAG_BYTES 16
#define VAULT_KEY_TAG "AES.GCM.V1"
#define VAULT_AAD "AES256GCM"

struct vault_key {
    unsigned char bytes[VAULT_KEY_BYTES];
};

enum vault_status {
    VAULT_OK,
    VAULT_UNAVAILABLE,
    VAULT_NO_MEMORY,
    VAULT_TRUNCATED,
    VAULT_BAD_HEADER,
    VAULT_UNKNOWN_KEY_TAG,
    VAULT_DECRYPT_FAILED,
    VAULT_STATUS_COUNT
};

enum vault_status vault_init(void);
const char *vault_status_message(enum vault_status status);

void vault_key_derive(const void *material, size_t length, struct vault_key *key);

/* Derive the key from ENCRYPTION_KEY; logs and returns false when it is
 * unset or empty. */
bool vault_key_from_env(struct vault_key *key);
void vault_key_wipe(struct vault_key *key);

enum vault_status vault_encrypt(const struct vault_key *key, const void *plaintext,
                                size_t length, unsigned char **blob, size_t *blob_length);

/* On success *plaintext is NUL-terminated and *length excludes the NUL. */
enum vault_status vault_decrypt(const struct vault_key *key, const unsigned char *blob,
                                size_t blob_length, char **plaintext, size_t *length);

void vault_free_secret(char *secret, size_t length);

#endif
