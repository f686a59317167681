/*
 * TeslaMate's recorded charging sessions (the CSV tables of its charging
 * tests), read at test time from spec/data-vectors.md in the shared
 * directory, appendix sections "### A.1" to "### A.7", instead of being
 * copied here.
 *
 * Each row is "date, charge_energy_added, charger_power,
 * ideal_battery_range_km, charger_phases, charger_actual_current,
 * charger_voltage, fast_charger_type". An empty field is NULL and "{FCT}"
 * is the fast charger type of the case. A row with another field count is
 * skipped, as TeslaMate's test pattern skips it. Header-only.
 */
#ifndef TENANTMATE_CHARGE_FIXTURES_H
#define TENANTMATE_CHARGE_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"

#define CHARGE_FIXTURE_ROWS_MAX 256
#define CHARGE_FIXTURE_FIELDS 8

struct charge_fixture_row {
    char fast_charger_type[32];
    struct charge_record record;
};

struct charge_fixture {
    int count;
    struct charge_fixture_row rows[CHARGE_FIXTURE_ROWS_MAX];
};

/* The specification directory: $TENANTMATE_SHARED/spec, else the shared
 * directory beside the repository (tests run from the repository root). */
static inline void charge_fixture_path(char *out, size_t size)
{
    const char *shared = getenv("TENANTMATE_SHARED");

    snprintf(out, size, "%s/spec/data-vectors.md",
             shared != NULL && *shared != '\0' ? shared : "../shared");
}

static inline struct opt_double fixture_double(const char *field)
{
    struct opt_double value = {0};

    if (*field != '\0') {
        value.known = true;
        value.value = strtod(field, NULL);
    }
    return value;
}

static inline struct opt_int64 fixture_int(const char *field)
{
    struct opt_int64 value = {0};

    if (*field != '\0') {
        value.known = true;
        value.value = strtoll(field, NULL, 10);
    }
    return value;
}

/* Splits line at commas in place; returns the field count. */
static inline int split_fields(char *line, char *fields[], int max)
{
    int count = 0;
    char *start = line;

    for (char *c = line;; c++) {
        if (*c == ',' || *c == '\0' || *c == '\n') {
            bool end = *c != ',';
            if (count < max)
                fields[count] = start;
            count++;
            *c = '\0';
            start = c + 1;
            if (end)
                break;
        }
    }
    return count;
}

static inline bool fixture_row_parse(char *line, const char *fast_charger_type,
                                     struct charge_fixture_row *row)
{
    char *fields[CHARGE_FIXTURE_FIELDS + 1];
    int64_t date_us = 0;

    if (split_fields(line, fields, CHARGE_FIXTURE_FIELDS + 1) != CHARGE_FIXTURE_FIELDS)
        return false;
    if (!recorder_time_parse(fields[0], &date_us))
        return false;

    memset(row, 0, sizeof(*row));
    snprintf(row->fast_charger_type, sizeof(row->fast_charger_type), "%s",
             strcmp(fields[7], "{FCT}") == 0 ? fast_charger_type : fields[7]);
    row->record.date_us = (struct opt_int64){.known = true, .value = date_us};
    row->record.charge_energy_added_kwh = fixture_double(fields[1]);
    row->record.charger_power_kw = fixture_int(fields[2]);
    row->record.ideal_battery_range_km = fixture_double(fields[3]);
    row->record.charger_phases = fixture_int(fields[4]);
    row->record.charger_actual_current_a = fixture_int(fields[5]);
    row->record.charger_voltage_v = fixture_int(fields[6]);
    row->record.fast_charger_type = row->fast_charger_type;
    return true;
}

/* Loads appendix section "A.<number>" with fast_charger_type for {FCT}.
 * Returns false, printing why, when the file or section cannot be read. */
static inline bool charge_fixture_load(int number, const char *fast_charger_type,
                                       struct charge_fixture *fixture)
{
    char path[512];
    char heading[16];
    char line[256];
    int stage = 0;          /* 0: before the heading, 1: before the csv fence, 2: rows */

    charge_fixture_path(path, sizeof(path));
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "cannot open %s: set TENANTMATE_SHARED to the shared directory\n", path);
        return false;
    }

    fixture->count = 0;
    snprintf(heading, sizeof(heading), "### A.%d ", number);
    while (fgets(line, sizeof(line), file) != NULL) {
        if (stage == 0 && strncmp(line, heading, strlen(heading)) == 0)
            stage = 1;
        else if (stage == 1 && strncmp(line, "```csv", 6) == 0)
            stage = 2;
        else if (stage == 2 && strncmp(line, "```", 3) == 0)
            break;
        else if (stage == 2 && line[0] != '#' && fixture->count < CHARGE_FIXTURE_ROWS_MAX &&
                 fixture_row_parse(line, fast_charger_type, &fixture->rows[fixture->count]))
            fixture->count++;
    }
    fclose(file);

    if (fixture->count == 0)
        fprintf(stderr, "no rows for appendix A.%d in %s\n", number, path);
    return fixture->count > 0;
}

#endif
