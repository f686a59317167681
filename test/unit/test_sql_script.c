/*
 * Unit tests of the migration statement splitter: semicolons inside
 * comments, strings, identifiers and dollar quotes never split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sql_script.h"

#define MAX_STATEMENTS 8

struct split {
    int count;
    char texts[MAX_STATEMENTS][256];
    int lines[MAX_STATEMENTS];
};

static void split(const char *text, struct split *out)
{
    struct sql_script script;
    struct sql_statement statement;

    memset(out, 0, sizeof(*out));
    sql_script_init(&script, text, strlen(text));
    while (sql_script_next(&script, &statement)) {
        assert_true(out->count < MAX_STATEMENTS);
        strncpy(out->texts[out->count], statement.text, sizeof(out->texts[0]) - 1);
        out->lines[out->count] = statement.first_line;
        out->count++;
        sql_statement_free(&statement);
    }
}

static void plain_statements_split(void **state)
{
    (void)state;
    struct split result;

    split("CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n", &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.texts[0], "CREATE TABLE a (x int)");
    assert_string_equal(result.texts[1], "CREATE TABLE b (y int)");
    assert_int_equal(result.lines[0], 1);
    assert_int_equal(result.lines[1], 2);
}

static void comments_do_not_split(void **state)
{
    (void)state;
    struct split result;

    split("-- a; comment\nSELECT 1 /* not ; here /* nested; */ still */ + 1;\n"
          "-- trailing comment only\n",
          &result);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.lines[0], 2);
    assert_non_null(strstr(result.texts[0], "+ 1"));
}

static void strings_and_identifiers_do_not_split(void **state)
{
    (void)state;
    struct split result;

    split("SELECT 'a;b', 'it''s;', E'x\\';y', \"odd;name\" FROM t;SELECT 2", &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.texts[0],
                        "SELECT 'a;b', 'it''s;', E'x\\';y', \"odd;name\" FROM t");
    assert_string_equal(result.texts[1], "SELECT 2");
}

static void dollar_quotes_do_not_split(void **state)
{
    (void)state;
    struct split result;

    split("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
          "CREATE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;\n"
          "PREPARE p AS SELECT $1;",
          &result);
    assert_int_equal(result.count, 3);
    assert_non_null(strstr(result.texts[0], "SELECT 1; $$"));
    assert_non_null(strstr(result.texts[1], "RETURN 1; END $body$"));
    assert_string_equal(result.texts[2], "PREPARE p AS SELECT $1");
    assert_int_equal(result.lines[2], 3);
}

static void empty_statements_are_skipped(void **state)
{
    (void)state;
    struct split result;

    split(";;  ;\n-- nothing\n;", &result);
    assert_int_equal(result.count, 0);
}

static void unterminated_quote_keeps_rest(void **state)
{
    (void)state;
    struct split result;

    split("SELECT 1;\nSELECT 'open; string", &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.texts[1], "SELECT 'open; string");
    assert_int_equal(result.lines[1], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_statements_split),
        cmocka_unit_test(comments_do_not_split),
        cmocka_unit_test(strings_and_identifiers_do_not_split),
        cmocka_unit_test(dollar_quotes_do_not_split),
        cmocka_unit_test(empty_statements_are_skipped),
        cmocka_unit_test(unterminated_quote_keeps_rest),
    };

    return cmocka_run_group_tests_name("sql_script", tests, NULL, NULL);
}
