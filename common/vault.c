#include "vault.h"

#include "log.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_BYTE 0x01
#define KEY_TAG_LENGTH (sizeof(VAULT_KEY_TAG) - 1)
#define AAD_LENGTH (sizeof(VAULT_AAD) - 1)
#define HEADER_BYTES (2 + KEY_TAG_LENGTH)

_Static_assert(VAULT_KEY_BYTES == crypto_aead_aes256gcm_KEYBYTES, "AES-256 key size");
_Static_assert(VAULT_IV_BYTES == crypto_aead_aes256gcm_NPUBBYTES, "GCM IV size");
_Static_assert(VAULT_TAG_BYTES == crypto_aead_aes256gcm_ABYTES, "GCM tag size");
_Static_assert(VAULT_KEY_BYTES == crypto_hash_sha256_BYTES, "key is a SHA-256 digest");

static const char *const status_messages[VAULT_STATUS_COUNT] = {
    [VAULT_OK] = "ok",
    [VAULT_UNAVAILABLE] = "AES-256-GCM is not available: libsodium needs a CPU with AES-NI",
    [VAULT_NO_MEMORY] = "out of memory",
    [VAULT_TRUNCATED] = "encrypted value is truncated",
    [VAULT_BAD_HEADER] = "encrypted value has an unknown header",
    [VAULT_UNKNOWN_KEY_TAG] = "encrypted value was not written with AES.GCM.V1",
    [VAULT_DECRYPT_FAILED] = "decryption failed: wrong ENCRYPTION_KEY or altered value",
};

_Static_assert(sizeof(status_messages) / sizeof(status_messages[0]) == VAULT_STATUS_COUNT,
               "status_messages must describe every status");

const char *vault_status_message(enum vault_status status)
{
    if (status < 0 || status >= VAULT_STATUS_COUNT)
        return "unknown vault status";
    return status_messages[status];
}

enum vault_status vault_init(void)
{
    if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available())
        return VAULT_UNAVAILABLE;
    return VAULT_OK;
}

void vault_key_derive(const void *material, size_t length, struct vault_key *key)
{
    crypto_hash_sha256(key->bytes, material, length);
}

bool vault_key_from_env(struct vault_key *key)
{
    const char *material = getenv("ENCRYPTION_KEY");

    if (material == NULL || *material == '\0') {
        log_error("ENCRYPTION_KEY is not set: set it to the key the business API uses "
                  "to encrypt Tesla tokens");
        return false;
    }
    vault_key_derive(material, strlen(material), key);
    return true;
}

void vault_key_wipe(struct vault_key *key)
{
    sodium_memzero(key->bytes, sizeof(key->bytes));
}

enum vault_status vault_encrypt(const struct vault_key *key, const void *plaintext,
                                size_t length, unsigned char **blob, size_t *blob_length)
{
    size_t total = HEADER_BYTES + VAULT_IV_BYTES + VAULT_TAG_BYTES + length;
    unsigned char *out = malloc(total);
    unsigned long long tag_length = 0;

    if (out == NULL)
        return VAULT_NO_MEMORY;

    unsigned char *iv = out + HEADER_BYTES;
    unsigned char *tag = iv + VAULT_IV_BYTES;
    unsigned char *ciphertext = tag + VAULT_TAG_BYTES;

    out[0] = TYPE_BYTE;
    out[1] = (unsigned char)KEY_TAG_LENGTH;
    memcpy(out + 2, VAULT_KEY_TAG, KEY_TAG_LENGTH);
    randombytes_buf(iv, VAULT_IV_BYTES);

    /* The detached form yields the tag separately, so it can precede the
     * ciphertext as Cloak's layout requires. */
    crypto_aead_aes256gcm_encrypt_detached(ciphertext, tag, &tag_length, plaintext, length,
                                           (const unsigned char *)VAULT_AAD, AAD_LENGTH, NULL,
                                           iv, key->bytes);

    *blob = out;
    *blob_length = total;
    return VAULT_OK;
}

/* Find the key tag, honouring the general length encoding: a second byte
 * below 128 is the tag length, otherwise its low 7 bits count the
 * big-endian length bytes that follow. */
static enum vault_status parse_key_tag(const unsigned char *blob, size_t blob_length,
                                       size_t *payload_offset)
{
    size_t offset = 2;
    size_t tag_length;

    if (blob_length < 2)
        return VAULT_TRUNCATED;
    if (blob[0] != TYPE_BYTE)
        return VAULT_BAD_HEADER;

    if (blob[1] < 128) {
        tag_length = blob[1];
    } else {
        size_t length_bytes = blob[1] & 0x7f;

        if (length_bytes == 0 || length_bytes > sizeof(size_t))
            return VAULT_BAD_HEADER;
        if (blob_length < offset + length_bytes)
            return VAULT_TRUNCATED;
        tag_length = 0;
        for (size_t i = 0; i < length_bytes; i++)
            tag_length = (tag_length << 8) | blob[offset + i];
        offset += length_bytes;
    }

    if (blob_length - offset < tag_length)
        return VAULT_TRUNCATED;
    if (tag_length != KEY_TAG_LENGTH || memcmp(blob + offset, VAULT_KEY_TAG, tag_length) != 0)
        return VAULT_UNKNOWN_KEY_TAG;

    *payload_offset = offset + tag_length;
    return VAULT_OK;
}

enum vault_status vault_decrypt(const struct vault_key *key, const unsigned char *blob,
                                size_t blob_length, char **plaintext, size_t *length)
{
    size_t offset = 0;
    enum vault_status status = parse_key_tag(blob, blob_length, &offset);

    if (status != VAULT_OK)
        return status;
    if (blob_length - offset < VAULT_IV_BYTES + VAULT_TAG_BYTES)
        return VAULT_TRUNCATED;

    const unsigned char *iv = blob + offset;
    const unsigned char *tag = iv + VAULT_IV_BYTES;
    const unsigned char *ciphertext = tag + VAULT_TAG_BYTES;
    size_t ciphertext_length = blob_length - offset - VAULT_IV_BYTES - VAULT_TAG_BYTES;

    char *out = malloc(ciphertext_length + 1);
    if (out == NULL)
        return VAULT_NO_MEMORY;

    if (crypto_aead_aes256gcm_decrypt_detached((unsigned char *)out, NULL, ciphertext,
                                               ciphertext_length, tag,
                                               (const unsigned char *)VAULT_AAD, AAD_LENGTH,
                                               iv, key->bytes) != 0) {
        vault_free_secret(out, ciphertext_length + 1);
        return VAULT_DECRYPT_FAILED;
    }

    out[ciphertext_length] = '\0';
    *plaintext = out;
    *length = ciphertext_length;
    return VAULT_OK;
}

void vault_free_secret(char *secret, size_t length)
{
    if (secret == NULL)
        return;
    sodium_memzero(secret, length);
    free(secret);
}
