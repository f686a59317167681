/*
 * Unit tests of the TeslaFi import's files: naming and month order,
 * fingerprints and source keys, and the checks that refuse a whole file
 * (empty, not CSV, unknown header, syntax errors, cut short, day-first
 * dates) next to the row-level rules the scan keeps (blank lines, wrong
 * field counts).
 */
#include "import_test_support.h"

#include <sys/stat.h>
#include <unistd.h>

/* ---- listing --------------------------------------------------------------- */

static void make_file(const char *directory, const char *name, const char *text)
{
    char path[FIXTURE_PATH_MAX];
    FILE *file;

    snprintf(path, sizeof(path), "%s/%s", directory, name);
    file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void remove_tree(const char *directory, const char *const *names)
{
    char path[FIXTURE_PATH_MAX];

    for (size_t i = 0; names[i] != NULL; i++) {
        snprintf(path, sizeof(path), "%s/%s", directory, names[i]);
        unlink(path);
    }
    rmdir(directory);
}

static void fixture_04_month_order(void **state)
{
    (void)state;
    char path[FIXTURE_PATH_MAX], message[IMPORT_MESSAGE_SIZE];
    char *arguments[] = {path};
    struct import_file_list list;

    fixture_path("04_error", path, sizeof(path));
    assert_true(import_file_list_build(arguments, 1, &list, message, sizeof(message)));
    assert_int_equal(list.count, 3);
    /* [17,11] sorts before [2017,11] and [2017,12]. */
    assert_string_equal(list.files[0].name, "TeslaFi110017.csv");
    assert_int_equal(list.files[0].year, 17);
    assert_int_equal(list.files[0].month, 11);
    assert_string_equal(list.files[1].name, "TeslaFi112017.csv");
    assert_string_equal(list.files[2].name, "TeslaFi122017.csv");
    import_file_list_free(&list);
}

static void directory_keeps_only_teslafi_names(void **state)
{
    (void)state;
    char directory[] = "/tmp/tenantmate-import-test.XXXXXX";
    static const char *const names[] = {"TeslaFi62016.csv", "notes.txt", "012018.csv",
                                        "TeslaFi12018.csv", "TeslaFi2016.csv", NULL};
    char message[IMPORT_MESSAGE_SIZE];
    char *arguments[2];
    char file_path[FIXTURE_PATH_MAX];
    struct import_file_list list;

    assert_non_null(mkdtemp(directory));
    for (size_t i = 0; names[i] != NULL; i++)
        make_file(directory, names[i], "Date,state\n");
    snprintf(file_path, sizeof(file_path), "%s/TeslaFi62016.csv", directory);
    arguments[0] = directory;
    arguments[1] = file_path;     /* listed twice: kept once */

    assert_true(import_file_list_build(arguments, 2, &list, message, sizeof(message)));
    assert_int_equal(list.count, 3);
    assert_string_equal(list.files[0].name, "TeslaFi62016.csv");
    /* Same month: ordered by path, so "012018.csv" before "TeslaFi12018.csv". */
    assert_string_equal(list.files[1].name, "012018.csv");
    assert_string_equal(list.files[2].name, "TeslaFi12018.csv");
    import_file_list_free(&list);
    remove_tree(directory, names);
}

static void listing_errors(void **state)
{
    (void)state;
    char directory[] = "/tmp/tenantmate-import-test.XXXXXX";
    static const char *const names[] = {"export.csv", NULL};
    char message[IMPORT_MESSAGE_SIZE], path[FIXTURE_PATH_MAX];
    char *arguments[] = {path};
    struct import_file_list list;

    assert_non_null(mkdtemp(directory));
    snprintf(path, sizeof(path), "%s", directory);
    assert_false(import_file_list_build(arguments, 1, &list, message, sizeof(message)));
    assert_non_null(strstr(message, "no TeslaFi export found"));

    make_file(directory, "export.csv", "Date,state\n");
    snprintf(path, sizeof(path), "%s/export.csv", directory);
    assert_false(import_file_list_build(arguments, 1, &list, message, sizeof(message)));
    assert_non_null(strstr(message, "cannot tell the month of"));
    assert_non_null(strstr(message, "export.csv"));

    snprintf(path, sizeof(path), "%s/missing", directory);
    assert_false(import_file_list_build(arguments, 1, &list, message, sizeof(message)));
    assert_non_null(strstr(message, "No such file"));
    remove_tree(directory, names);
}

static void fingerprint_of_fixture_08(void **state)
{
    (void)state;
    struct import_file_data data;

    load_fixture("08_resilient/TeslaFi12018.csv", &data);
    assert_string_equal(data.fingerprint,
                        "3b08ea92735f10d353daa82d05fdee1d4b143204c04365f27f9fa7b50aad202e");
    import_file_data_free(&data);
}

static void source_key_ignores_order(void **state)
{
    (void)state;
    char a[FIXTURE_PATH_MAX], b[FIXTURE_PATH_MAX], message[IMPORT_MESSAGE_SIZE];
    char key_ab[IMPORT_FINGERPRINT_SIZE], key_ba[IMPORT_FINGERPRINT_SIZE];
    char key_a[IMPORT_FINGERPRINT_SIZE];
    char *ab[2], *ba[2];

    fixture_path("01_complete", a, sizeof(a));
    fixture_path("08_resilient", b, sizeof(b));
    ab[0] = a;
    ab[1] = b;
    ba[0] = b;
    ba[1] = a;
    assert_true(import_source_key(ab, 2, key_ab, message, sizeof(message)));
    assert_true(import_source_key(ba, 2, key_ba, message, sizeof(message)));
    assert_true(import_source_key(ab, 1, key_a, message, sizeof(message)));
    assert_string_equal(key_ab, key_ba);
    assert_string_not_equal(key_ab, key_a);
    assert_int_equal(strlen(key_ab), 64);
}

/* ---- scanning ---------------------------------------------------------------- */

struct scanned {
    struct import_zone zone;
    struct import_file_data data;
    struct import_scan scan;
    bool opened;
    struct import_row rows[16];
    size_t row_count;
    enum import_scan_status last;
};

static struct scanned *scan_text(const char *text, size_t size)
{
    struct scanned *scanned = calloc(1, sizeof(*scanned));
    const struct import_row_options options = {.fallback_vehicle_id = 1};

    assert_non_null(scanned);
    assert_true(import_zone_init(&scanned->zone, "Etc/UTC"));
    scanned->data.bytes = malloc(size + 1);
    assert_non_null(scanned->data.bytes);
    memcpy(scanned->data.bytes, text, size);
    scanned->data.bytes[size] = '\0';
    scanned->data.size = size;

    scanned->opened = import_scan_open(&scanned->scan, "TeslaFi12018.csv", &scanned->data,
                                       &scanned->zone, &options);
    if (!scanned->opened)
        return scanned;
    while (scanned->row_count < 16 &&
           (scanned->last = import_scan_next(&scanned->scan, &scanned->rows[scanned->row_count])) ==
               IMPORT_SCAN_ROW)
        scanned->row_count++;
    return scanned;
}

static struct scanned *scan_string(const char *text)
{
    return scan_text(text, strlen(text));
}

static void scanned_free(struct scanned *scanned)
{
    if (scanned->opened)
        import_scan_close(&scanned->scan);
    free(scanned->data.bytes);
    free(scanned);
}

static void expect_refused(struct scanned *scanned, enum import_file_error error,
                           const char *words)
{
    assert_int_equal(scanned->scan.error, error);
    assert_non_null(strstr(scanned->scan.message, "TeslaFi12018.csv"));
    if (strstr(scanned->scan.message, words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", scanned->scan.message, words);
}

static void empty_file_is_refused(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("");

    assert_false(scanned->opened);
    expect_refused(scanned, IMPORT_FILE_EMPTY, "empty (0 bytes)");
    scanned_free(scanned);
}

static void header_only_file_has_no_rows(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("\xEF\xBB\xBF" "data_id,Date,state\n");

    assert_true(scanned->opened);
    assert_int_equal(scanned->last, IMPORT_SCAN_END);
    assert_int_equal(scanned->row_count, 0);
    scanned_free(scanned);
}

static void binary_file_is_not_csv(void **state)
{
    (void)state;
    static const char gzip[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" "Date";
    struct scanned *scanned = scan_text(gzip, sizeof(gzip) - 1);

    assert_false(scanned->opened);
    expect_refused(scanned, IMPORT_FILE_NOT_CSV, "not a CSV text file");
    scanned_free(scanned);
}

static void semicolon_file_is_not_csv(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date;state\n2018-01-01 10:00:00;online\n");

    assert_false(scanned->opened);
    assert_int_equal(scanned->scan.error, IMPORT_FILE_NOT_CSV);
    scanned_free(scanned);
}

static void header_without_date_or_state(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Datum,state\n2018-01-01 10:00:00,online\n");

    assert_false(scanned->opened);
    expect_refused(scanned, IMPORT_FILE_UNKNOWN_HEADER, "no Date column");
    scanned_free(scanned);

    scanned = scan_string("Date,status\n2018-01-01 10:00:00,online\n");
    expect_refused(scanned, IMPORT_FILE_UNKNOWN_HEADER, "no state column");
    scanned_free(scanned);
}

static void blank_lines_and_field_counts(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date,state\n"
                                          "2018-01-01 10:00:00,asleep\n"
                                          "\n"
                                          "2018-01-01 10:01:00\n"
                                          "2018-01-01 10:02:00,asleep,extra\n"
                                          "2018-01-01 10:03:00,asleep\n");

    assert_int_equal(scanned->last, IMPORT_SCAN_END);
    assert_int_equal(scanned->row_count, 4);
    assert_int_equal(scanned->rows[0].kind, IMPORT_ROW_VEHICLE);
    assert_int_equal(scanned->rows[0].row, 2);
    /* The blank line uses row 3. */
    assert_int_equal(scanned->rows[1].kind, IMPORT_ROW_REJECTED);
    assert_int_equal(scanned->rows[1].rejection.reason, IMPORT_REJECT_COLUMN_COUNT_MISMATCH);
    assert_int_equal(scanned->rows[1].rejection.row, 4);
    assert_string_equal(scanned->rows[1].rejection.fields[0], "columns");
    assert_int_equal(scanned->rows[2].rejection.row, 5);
    assert_int_equal(scanned->rows[3].kind, IMPORT_ROW_VEHICLE);
    assert_int_equal(scanned->rows[3].row, 6);
    expect_utc(scanned->rows[3].date_ms, "2018-01-01T10:03:00Z");
    scanned_free(scanned);
}

static void short_last_row_with_line_break(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date,state\n2018-01-01 10:00:00,asleep\n2018-01-01\n");

    /* Complete lines with a wrong field count are row rejections. */
    assert_int_equal(scanned->last, IMPORT_SCAN_END);
    assert_int_equal(scanned->row_count, 2);
    assert_int_equal(scanned->rows[1].rejection.reason, IMPORT_REJECT_COLUMN_COUNT_MISMATCH);
    scanned_free(scanned);
}

static void file_cut_in_a_row(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date,state,speed\n2018-01-01 10:00:00,asleep,1\n"
                                          "2018-01-01 10:01:00,asl");

    assert_int_equal(scanned->last, IMPORT_SCAN_FAILED);
    expect_refused(scanned, IMPORT_FILE_TRUNCATED, "ends in the middle of row 3");
    scanned_free(scanned);

    /* A complete last row without the final line break is fine. */
    scanned = scan_string("Date,state\n2018-01-01 10:00:00,asleep");
    assert_int_equal(scanned->last, IMPORT_SCAN_END);
    assert_int_equal(scanned->row_count, 1);
    scanned_free(scanned);

    scanned = scan_string("Date,state\n\"2018-01-01 10:00:00,asleep");
    expect_refused(scanned, IMPORT_FILE_TRUNCATED, "ends in the middle of a row");
    scanned_free(scanned);
}

static void syntax_error_inside(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date,state\n\"2018-01-01 10:00:00\"x,asleep\n"
                                          "2018-01-01 10:01:00,asleep\n");

    assert_int_equal(scanned->last, IMPORT_SCAN_FAILED);
    expect_refused(scanned, IMPORT_FILE_MALFORMED, "not valid CSV");
    scanned_free(scanned);
}

static void day_first_dates_refuse_the_file(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date,state\n"
                                          "11/01/2017 10:00,asleep\n"
                                          "25/01/2017 10:00,asleep\n");

    assert_int_equal(scanned->last, IMPORT_SCAN_FAILED);
    expect_refused(scanned, IMPORT_FILE_MIXED_DATE_FORMATS, "row 3 has the day first");
    scanned_free(scanned);

    assert_true(import_date_is_day_first("13/07/2016 00:49:35"));
    assert_true(import_date_is_day_first("31/12/2016 1:00:00 PM"));
    assert_false(import_date_is_day_first("12/31/2016 1:00:00 PM"));
    assert_false(import_date_is_day_first("2016-07-13 00:49:35"));
    assert_false(import_date_is_day_first("13/13/2016 00:49"));
}

static void mixed_accepted_shapes_are_fine(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("Date,state\n"
                                          "2017-11-01 00:00:17,asleep\n"
                                          "11/01/2017 00:01,asleep\n"
                                          "11/01/2017 11:02:16 AM,asleep\n");

    assert_int_equal(scanned->last, IMPORT_SCAN_END);
    assert_int_equal(scanned->row_count, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(scanned->rows[i].kind, IMPORT_ROW_VEHICLE);
    scanned_free(scanned);
}

static void crlf_and_quotes(void **state)
{
    (void)state;
    struct scanned *scanned = scan_string("\xEF\xBB\xBF" "Date,state,display_name\r\n"
                                          "\"2018-01-01 10:00:00\",asleep,\"a, \"\"b\"\"\"\r\n");

    assert_int_equal(scanned->last, IMPORT_SCAN_END);
    assert_int_equal(scanned->row_count, 1);
    assert_int_equal(scanned->rows[0].kind, IMPORT_ROW_VEHICLE);
    assert_string_equal(scanned->rows[0].sample.display_name, "a, \"b\"");
    scanned_free(scanned);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_04_month_order),
        cmocka_unit_test(directory_keeps_only_teslafi_names),
        cmocka_unit_test(listing_errors),
        cmocka_unit_test(fingerprint_of_fixture_08),
        cmocka_unit_test(source_key_ignores_order),
        cmocka_unit_test(empty_file_is_refused),
        cmocka_unit_test(header_only_file_has_no_rows),
        cmocka_unit_test(binary_file_is_not_csv),
        cmocka_unit_test(semicolon_file_is_not_csv),
        cmocka_unit_test(header_without_date_or_state),
        cmocka_unit_test(blank_lines_and_field_counts),
        cmocka_unit_test(short_last_row_with_line_break),
        cmocka_unit_test(file_cut_in_a_row),
        cmocka_unit_test(syntax_error_inside),
        cmocka_unit_test(day_first_dates_refuse_the_file),
        cmocka_unit_test(mixed_accepted_shapes_are_fine),
        cmocka_unit_test(crlf_and_quotes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
