/*
 * Unit tests of the token vault: round trips, a known-answer blob made by
 * an independent AES-GCM implementation, and every way a blob can be bad.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "vault.h"

/* Made with Node.js's crypto module (OpenSSL's AES-256-GCM), not with
 * vault_encrypt: key = SHA-256("known-answer-key"), IV = 00..0b, AAD =
 * "AES256GCM", plaintext "qts-known-answer-token", laid out as
 * 01 0A "AES.GCM.V1" IV tag ciphertext. */
static const char known_answer_hex[] =
    "010a4145532e47434d2e5631000102030405060708090a0b01a5fd733244c4837f095fb076761ef4a6"
    "e51d675f6ae5e7681120fd2931f2b15a5c870db59f";

static unsigned char *known_answer_blob(size_t *length)
{
    size_t hex_length = strlen(known_answer_hex);
    unsigned char *blob = malloc(hex_length / 2);

    assert_non_null(blob);
    assert_int_equal(sodium_hex2bin(blob, hex_length / 2, known_answer_hex, hex_length, NULL,
                                    length, NULL),
                     0);
    return blob;
}

static int setup(void **state)
{
    (void)state;
    return vault_init() == VAULT_OK ? 0 : -1;
}

static void derive(const char *material, struct vault_key *key)
{
    vault_key_derive(material, strlen(material), key);
}

static void round_trip_returns_plaintext(void **state)
{
    (void)state;
    struct vault_key key;
    const char *token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2F1dGgudGVzbGEuY29tIn0.sig";
    unsigned char *blob = NULL;
    size_t blob_length = 0;
    char *plaintext = NULL;
    size_t length = 0;

    derive("round-trip-key", &key);
    assert_int_equal(vault_encrypt(&key, token, strlen(token), &blob, &blob_length), VAULT_OK);
    assert_int_equal(blob_length, 40 + strlen(token));
    assert_memory_equal(blob, "\x01\x0a" "AES.GCM.V1", 12);

    assert_int_equal(vault_decrypt(&key, blob, blob_length, &plaintext, &length), VAULT_OK);
    assert_int_equal(length, strlen(token));
    assert_string_equal(plaintext, token);

    vault_free_secret(plaintext, length);
    free(blob);
}

static void encryptions_use_fresh_iv(void **state)
{
    (void)state;
    struct vault_key key;
    unsigned char *first = NULL;
    unsigned char *second = NULL;
    size_t first_length = 0;
    size_t second_length = 0;

    derive("iv-key", &key);
    assert_int_equal(vault_encrypt(&key, "same", 4, &first, &first_length), VAULT_OK);
    assert_int_equal(vault_encrypt(&key, "same", 4, &second, &second_length), VAULT_OK);
    assert_int_equal(first_length, second_length);
    assert_memory_not_equal(first + 12, second + 12, VAULT_IV_BYTES);

    free(first);
    free(second);
}

static void empty_plaintext_round_trips(void **state)
{
    (void)state;
    struct vault_key key;
    unsigned char *blob = NULL;
    size_t blob_length = 0;
    char *plaintext = NULL;
    size_t length = 99;

    derive("empty-key", &key);
    assert_int_equal(vault_encrypt(&key, "", 0, &blob, &blob_length), VAULT_OK);
    assert_int_equal(blob_length, 40);
    assert_int_equal(vault_decrypt(&key, blob, blob_length, &plaintext, &length), VAULT_OK);
    assert_int_equal(length, 0);
    assert_string_equal(plaintext, "");

    vault_free_secret(plaintext, length);
    free(blob);
}

static void known_answer_blob_decrypts(void **state)
{
    (void)state;
    struct vault_key key;
    size_t blob_length = 0;
    unsigned char *blob = known_answer_blob(&blob_length);
    char *plaintext = NULL;
    size_t length = 0;

    derive("known-answer-key", &key);
    assert_int_equal(vault_decrypt(&key, blob, blob_length, &plaintext, &length), VAULT_OK);
    assert_string_equal(plaintext, "qts-known-answer-token");

    vault_free_secret(plaintext, length);
    free(blob);
}

static void wrong_key_fails(void **state)
{
    (void)state;
    struct vault_key key;
    size_t blob_length = 0;
    unsigned char *blob = known_answer_blob(&blob_length);
    char *plaintext = NULL;
    size_t length = 0;

    derive("not-the-key", &key);
    assert_int_equal(vault_decrypt(&key, blob, blob_length, &plaintext, &length),
                     VAULT_DECRYPT_FAILED);
    assert_null(plaintext);
    assert_non_null(strstr(vault_status_message(VAULT_DECRYPT_FAILED), "ENCRYPTION_KEY"));
    free(blob);
}

static void truncated_blob_fails(void **state)
{
    (void)state;
    struct vault_key key;
    size_t blob_length = 0;
    unsigned char *blob = known_answer_blob(&blob_length);
    char *plaintext = NULL;
    size_t length = 0;

    derive("known-answer-key", &key);
    /* Cut inside the header, inside the IV, inside the tag, and one byte
     * short of the ciphertext (which the tag then rejects). */
    assert_int_equal(vault_decrypt(&key, blob, 1, &plaintext, &length), VAULT_TRUNCATED);
    assert_int_equal(vault_decrypt(&key, blob, 8, &plaintext, &length), VAULT_TRUNCATED);
    assert_int_equal(vault_decrypt(&key, blob, 20, &plaintext, &length), VAULT_TRUNCATED);
    assert_int_equal(vault_decrypt(&key, blob, 39, &plaintext, &length), VAULT_TRUNCATED);
    assert_int_equal(vault_decrypt(&key, blob, blob_length - 1, &plaintext, &length),
                     VAULT_DECRYPT_FAILED);
    assert_null(plaintext);
    free(blob);
}

static void flipped_byte_fails_everywhere(void **state)
{
    (void)state;
    struct vault_key key;
    size_t blob_length = 0;
    unsigned char *blob = known_answer_blob(&blob_length);

    derive("known-answer-key", &key);
    for (size_t i = 0; i < blob_length; i++) {
        char *plaintext = NULL;
        size_t length = 0;

        blob[i] ^= 0x01;
        enum vault_status status = vault_decrypt(&key, blob, blob_length, &plaintext, &length);
        blob[i] ^= 0x01;

        assert_int_not_equal(status, VAULT_OK);
        assert_null(plaintext);
    }
    free(blob);
}

static void unknown_header_fails(void **state)
{
    (void)state;
    struct vault_key key;
    size_t blob_length = 0;
    unsigned char *blob = known_answer_blob(&blob_length);
    char *plaintext = NULL;
    size_t length = 0;

    derive("known-answer-key", &key);
    blob[0] = 0x02;
    assert_int_equal(vault_decrypt(&key, blob, blob_length, &plaintext, &length),
                     VAULT_BAD_HEADER);
    blob[0] = 0x01;
    blob[5] = 'X';
    assert_int_equal(vault_decrypt(&key, blob, blob_length, &plaintext, &length),
                     VAULT_UNKNOWN_KEY_TAG);
    free(blob);
}

static void long_form_tag_length_is_read(void **state)
{
    (void)state;
    struct vault_key key;
    size_t blob_length = 0;
    unsigned char *blob = known_answer_blob(&blob_length);
    unsigned char *long_form = malloc(blob_length + 1);
    char *plaintext = NULL;
    size_t length = 0;

    /* Second byte 0x81: one length byte follows, holding 10. */
    assert_non_null(long_form);
    long_form[0] = 0x01;
    long_form[1] = 0x81;
    long_form[2] = 0x0a;
    memcpy(long_form + 3, blob + 2, blob_length - 2);

    derive("known-answer-key", &key);
    assert_int_equal(vault_decrypt(&key, long_form, blob_length + 1, &plaintext, &length),
                     VAULT_OK);
    assert_string_equal(plaintext, "qts-known-answer-token");

    vault_free_secret(plaintext, length);
    free(long_form);
    free(blob);
}

static void key_is_sha256_of_material(void **state)
{
    (void)state;
    struct vault_key key;
    unsigned char expected[32];
    size_t expected_length = 0;

    /* SHA-256("abc") from FIPS 180-2. */
    sodium_hex2bin(expected, sizeof(expected),
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 64, NULL,
                   &expected_length, NULL);
    derive("abc", &key);
    assert_memory_equal(key.bytes, expected, sizeof(expected));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_returns_plaintext),
        cmocka_unit_test(encryptions_use_fresh_iv),
        cmocka_unit_test(empty_plaintext_round_trips),
        cmocka_unit_test(known_answer_blob_decrypts),
        cmocka_unit_test(wrong_key_fails),
        cmocka_unit_test(truncated_blob_fails),
        cmocka_unit_test(flipped_byte_fails_everywhere),
        cmocka_unit_test(unknown_header_fails),
        cmocka_unit_test(long_form_tag_length_is_read),
        cmocka_unit_test(key_is_sha256_of_material),
    };

    return cmocka_run_group_tests_name("vault", tests, setup, NULL);
}
