/*
 * import_row: one TeslaFi CSV row turned into a vehicle sample, a
 * rejection or nothing, with the rules of TeslaMate's TeslaFi import.
 *
 * Contract: pure functions of their arguments apart from the time zone
 * resolution, which import_time does (see import_time.h). No logging, no
 * allocation, no globals. An import_columns plan is built once per file
 * from the header. It has column indexes only, so it stays valid for as
 * long as the reader it was built from.
 *
 * Per row, in this order:
 * - the Date cell must have one of the three accepted shapes and resolve
 *   to exactly one instant in the chosen zone, else the row is rejected
 *   with invalid_date, ambiguous_local_time, nonexistent_local_time or
 *   invalid_timezone and the field list ["Date"];
 * - every cell is converted (teslafi_convert) and the columns TeslaMate
 *   type-checks must have the required JSON type, else the row is rejected
 *   with invalid_fields and the failing dotted field names
 *   ("drive_state.latitude"), never their values;
 * - a row whose state is missing or "unknown", or an online row without
 *   latitude or longitude, is dropped without a rejection;
 * - everything else becomes a full vehicle_data sample: all five
 *   sub-objects present, each stamped with the row's UTC time.
 *
 * Departures from TeslaMate, on purpose: a latitude outside +-90 or a
 * longitude outside +-180 rejects the row as invalid_fields (TeslaMate
 * would fail to store it later), and the random product id TeslaMate puts
 * in `id` is not generated here (the car's eid is chosen when the car is
 * created).
 */
#ifndef TENANTMATE_IMPORT_ROW_H
#define TENANTMATE_IMPORT_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import_time.h"
#include "teslafi.h"
#include "vehicle_sample.h"

enum import_row_kind {
    IMPORT_ROW_VEHICLE,     /* a sample for the state machine */
    IMPORT_ROW_DROPPED,     /* skipped without a rejection */
    IMPORT_ROW_REJECTED,    /* skipped and reported */
    IMPORT_ROW_KIND_COUNT
};

enum import_drop_reason {
    IMPORT_DROP_NONE,
    IMPORT_DROP_NO_STATE,       /* state missing, empty or "unknown" */
    IMPORT_DROP_NO_LOCATION,    /* online without latitude or longitude */
    IMPORT_DROP_REASON_COUNT
};

/* The closed set of rejection reasons; the names are stored in
 * import_rejections.reason. */
enum import_rejection_reason {
    IMPORT_REJECT_INVALID_FIELDS,
    IMPORT_REJECT_PARSE_ERROR,
    IMPORT_REJECT_INVALID_DATE,
    IMPORT_REJECT_AMBIGUOUS_LOCAL_TIME,
    IMPORT_REJECT_NONEXISTENT_LOCAL_TIME,
    IMPORT_REJECT_INVALID_TIMEZONE,
    IMPORT_REJECT_COLUMN_COUNT_MISMATCH,
    IMPORT_REJECT_VEHICLE_CONFLICT,
    IMPORT_REJECT_REASON_COUNT
};

/* A rejection keeps at most this many field names, the first ones in
 * byte order after removing duplicates. */
#define IMPORT_REJECTION_FIELDS_MAX 8
#define IMPORT_FIELD_NAME_SIZE 64

struct import_rejection {
    long row;
    enum import_rejection_reason reason;
    size_t field_count;
    char fields[IMPORT_REJECTION_FIELDS_MAX][IMPORT_FIELD_NAME_SIZE];
};

/* The car identity a row carries. vid_from_row is false when the
 * vehicle_id cell was empty and vid is the fallback. */
struct import_row_identity {
    bool has_vin;
    bool has_vid;
    bool vid_from_row;
    int64_t vid;
};

struct import_row {
    long row;                       /* header = 1 */
    enum import_row_kind kind;
    enum import_drop_reason drop_reason;
    int64_t date_ms;                /* UTC; set for VEHICLE and DROPPED rows */
    struct import_row_identity identity;
    struct import_rejection rejection;      /* REJECTED */
    struct vehicle_sample sample;           /* VEHICLE, and DROPPED after the type check */
};

/* One header column the row mapper reads: where its value goes in the
 * sample (binding < 0: nowhere), which value kinds the type check
 * accepts (bit per enum teslafi_value_kind; 0: unchecked), and its dotted
 * name for rejections. */
struct import_column {
    int index;
    int binding;
    unsigned accepted_kinds;
    char field_name[IMPORT_FIELD_NAME_SIZE];
};

#define IMPORT_COLUMNS_MAX 512

struct import_columns {
    int date;                       /* -1 when the header lacks it */
    int state;
    size_t count;
    struct import_column columns[IMPORT_COLUMNS_MAX];
    size_t ignored_count;           /* header columns neither read nor checked */
};

struct import_row_options {
    /* The vehicle id given to rows whose vehicle_id cell is empty
     * (TeslaMate's TESLAFI_IMPORT_VEHICLE_ID, default 1). */
    int64_t fallback_vehicle_id;
};

/* Builds the plan for the reader's header. Columns past IMPORT_COLUMNS_MAX
 * that need reading are counted in ignored_count. */
void import_columns_init(struct import_columns *columns, const struct teslafi_reader *reader);

/* Maps the reader's current record (a TESLAFI_READ_ROW). */
void import_row_read(const struct import_columns *columns, const struct teslafi_reader *reader,
                     struct import_zone *zone, const struct import_row_options *options,
                     struct import_row *out);

/* A column_count_mismatch rejection for the reader's current record. */
void import_row_column_mismatch(long row, struct import_row *out);

/* Adds a field name to a rejection, keeping the list sorted, without
 * duplicates and at most IMPORT_REJECTION_FIELDS_MAX long. */
void import_rejection_add_field(struct import_rejection *rejection, const char *field);

const char *import_row_kind_name(enum import_row_kind kind);
const char *import_drop_reason_name(enum import_drop_reason reason);
const char *import_rejection_reason_name(enum import_rejection_reason reason);

#endif
