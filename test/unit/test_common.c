/*
 * Unit tests of the small common modules: tenant id validation, backoff,
 * JWT claims and typed environment variables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "env.h"
#include "jwt.h"
#include "log.h"
#include "uuid.h"

static void uuid_accepts_canonical_forms(void **state)
{
    (void)state;
    char out[UUID_TEXT_SIZE];

    assert_true(uuid_normalize("3F2B8C1E-6D4A-4E8B-9A1F-2C7D5E9B0A13", out));
    assert_string_equal(out, "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a13");
}

static void uuid_rejects_other_text(void **state)
{
    (void)state;
    char out[UUID_TEXT_SIZE];
    const char *bad[] = {
        "", "tenant-1", "3f2b8c1e6d4a4e8b9a1f2c7d5e9b0a13",
        "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a1",  "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a13x",
        "3f2b8c1e-6d4a-4e8b-9a1f_2c7d5e9b0a13", "gf2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a13",
        "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a1 ",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(uuid_normalize(bad[i], out));
    assert_false(uuid_normalize(NULL, out));
}

static void backoff_doubles_to_cap_and_resets(void **state)
{
    (void)state;
    struct backoff backoff;
    const double expected[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300};

    backoff_init(&backoff, 1, 300);
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        assert_true(backoff_next_s(&backoff) == expected[i]);

    backoff_reset(&backoff);
    assert_true(backoff_next_s(&backoff) == 1);
}

static char *encode_part(const char *json)
{
    size_t size = sodium_base64_encoded_len(strlen(json),
                                            sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(size);

    assert_non_null(out);
    sodium_bin2base64(out, size, (const unsigned char *)json, strlen(json),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static void jwt_reads_issuer_and_expiry(void **state)
{
    (void)state;
    char *payload = encode_part("{\"iss\":\"https://auth.tesla.cn/oauth2/v3/nts\","
                                "\"exp\":1767225600,\"sub\":\"~?\"}");
    char token[512];
    int64_t expires_at_s = 0;

    snprintf(token, sizeof(token), "eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl", payload);
    cJSON *claims = jwt_claims(token);
    assert_non_null(claims);
    assert_string_equal(cJSON_GetObjectItem(claims, "iss")->valuestring,
                        "https://auth.tesla.cn/oauth2/v3/nts");
    cJSON_Delete(claims);

    assert_true(jwt_expiry(token, &expires_at_s));
    assert_int_equal(expires_at_s, 1767225600);
    free(payload);
}

static void jwt_rejects_opaque_and_broken_tokens(void **state)
{
    (void)state;
    int64_t expires_at_s = 0;
    char *array = encode_part("[1,2]");
    char token[256];

    assert_null(jwt_claims("qts-0123456789abcdef"));
    assert_null(jwt_claims("a..b"));
    assert_null(jwt_claims("a.!!!.b"));
    snprintf(token, sizeof(token), "h.%s.s", array);
    assert_null(jwt_claims(token));
    assert_false(jwt_expiry("qts-0123456789abcdef", &expires_at_s));
    free(array);
}

static void env_seconds_parses_and_validates(void **state)
{
    (void)state;
    double seconds = -1;

    unsetenv("TENANTMATE_TEST_SECONDS");
    assert_true(env_seconds("TENANTMATE_TEST_SECONDS", 30, 0, 3600, &seconds));
    assert_true(seconds == 30);

    setenv("TENANTMATE_TEST_SECONDS", "0.25", 1);
    assert_true(env_seconds("TENANTMATE_TEST_SECONDS", 30, 0, 3600, &seconds));
    assert_true(seconds == 0.25);

    const char *bad[] = {"abc", "10s", "-1", "7200", "nan", "inf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        seconds = 5;
        setenv("TENANTMATE_TEST_SECONDS", bad[i], 1);
        assert_false(env_seconds("TENANTMATE_TEST_SECONDS", 30, 0, 3600, &seconds));
        assert_true(seconds == 5);
    }
    unsetenv("TENANTMATE_TEST_SECONDS");
}

static void env_integer_and_boolean_validate(void **state)
{
    (void)state;
    long value = 0;
    bool flag = false;

    setenv("TENANTMATE_TEST_VALUE", "12", 1);
    assert_true(env_integer("TENANTMATE_TEST_VALUE", 1, 0, 100, &value));
    assert_int_equal(value, 12);
    setenv("TENANTMATE_TEST_VALUE", "12x", 1);
    assert_false(env_integer("TENANTMATE_TEST_VALUE", 1, 0, 100, &value));
    setenv("TENANTMATE_TEST_VALUE", "101", 1);
    assert_false(env_integer("TENANTMATE_TEST_VALUE", 1, 0, 100, &value));

    setenv("TENANTMATE_TEST_VALUE", "true", 1);
    assert_true(env_boolean("TENANTMATE_TEST_VALUE", false, &flag));
    assert_true(flag);
    setenv("TENANTMATE_TEST_VALUE", "yes please", 1);
    assert_false(env_boolean("TENANTMATE_TEST_VALUE", false, &flag));
    unsetenv("TENANTMATE_TEST_VALUE");
}

static void log_level_names_round_trip(void **state)
{
    (void)state;
    enum log_level level;

    for (int i = 0; i < LOG_LEVEL_COUNT; i++) {
        assert_true(log_level_parse(log_level_name((enum log_level)i), &level));
        assert_int_equal(level, i);
    }
    assert_false(log_level_parse("verbose", &level));
}

static int setup(void **state)
{
    (void)state;
    /* Keep the expected error lines of the bad-input cases off the output. */
    log_init("test_common", LOG_FORMAT_TEXT, LOG_LEVEL_COUNT);
    return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuid_accepts_canonical_forms),
        cmocka_unit_test(uuid_rejects_other_text),
        cmocka_unit_test(backoff_doubles_to_cap_and_resets),
        cmocka_unit_test(jwt_reads_issuer_and_expiry),
        cmocka_unit_test(jwt_rejects_opaque_and_broken_tokens),
        cmocka_unit_test(env_seconds_parses_and_validates),
        cmocka_unit_test(env_integer_and_boolean_validate),
        cmocka_unit_test(log_level_names_round_trip),
    };

    return cmocka_run_group_tests_name("common", tests, setup, NULL);
}
