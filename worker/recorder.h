/*
 * recorder: writes TeslaMate's rows (cars, states, positions, drives,
 * charging processes, charges, updates) for one tenant, and closes drives
 * and charging processes with TeslaMate's aggregate values.
 *
 * Contract:
 * - A struct recorder borrows one libpq connection (never closed here) and
 *   names one tenant. Every call is one short transaction opened with
 *   db_begin_tenant(), so row-level security confines it to that tenant;
 *   every inserted row carries the tenant_id. No session state survives a
 *   call and no named prepared statement is used, so a PgBouncer in
 *   transaction pooling mode may sit between.
 * - Calls block for their few round trips; they never exit the process.
 *   A failure returns a status other than RECORDER_OK, leaves the
 *   database as it was before the call (the transaction is rolled back),
 *   stores "<action>: <PostgreSQL's message>" in recorder->message and
 *   logs it with the car id (the logger's prefix carries the tenant).
 *   Input rejected before any SQL runs (a missing required value, a number
 *   no column takes) is logged as a warning: an invalid charge sample costs
 *   only that sample. Database failures are logged as errors.
 * - Values are in the units TeslaMate stores: km, km/h, kW, kWh, degrees
 *   Celsius, bar, metres. Numeric columns receive the shortest decimal
 *   text of each double, so PostgreSQL rounds them half away from zero to
 *   the column's scale as TeslaMate does. Dates are microseconds since
 *   the Unix epoch in UTC (int64_t, names ending in _us), stored as UTC
 *   timestamp without time zone. The caller supplies every event date, so
 *   replayed data keeps its own dates. inserted_at and updated_at take
 *   the database clock, truncated to whole seconds.
 * - Text parameters that are NULL, empty or only whitespace are stored as
 *   NULL. Ids are positive; 0 means "none" wherever an id is optional.
 * - Address lookups (Nominatim) are not done here: close_drive and
 *   start_charging_process return the positions to look up, and the
 *   caller stores the results with recorder_set_drive_addresses() and
 *   recorder_set_charging_process_address(). Geofences are matched in SQL
 *   at drive close and charge start.
 */
#ifndef TENANTMATE_RECORDER_H
#define TENANTMATE_RECORDER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "uuid.h"
#include "vehicle_sample.h"

#define RECORDER_MESSAGE_SIZE 512
#define RECORDER_TIME_TEXT_SIZE 32
#define RECORDER_VERSION_SIZE 256

enum recorder_status {
    RECORDER_OK,
    RECORDER_INVALID_INPUT,         /* rejected before any SQL: a value is missing or out of range */
    RECORDER_NOT_FOUND,             /* no such car, drive, process or update for this tenant */
    RECORDER_CONSTRAINT_VIOLATION,  /* SQLSTATE class 23: unique, foreign key, check, not null */
    RECORDER_DATABASE_ERROR,        /* any other SQL error */
    RECORDER_CONNECTION_FAILED,     /* the connection is broken; reconnect before the next call */
    RECORDER_STATUS_COUNT
};

const char *recorder_status_name(enum recorder_status status);

struct recorder {
    PGconn *conn;
    char tenant_id[UUID_TEXT_SIZE];
    char message[RECORDER_MESSAGE_SIZE];    /* the last failure; "" after a success */
    /* Set by a caller that holds its own db_begin_tenant() transaction on
     * conn (the TeslaFi import writes a whole file in one): calls then run
     * inside it, neither commit nor roll back, and after a failure the
     * caller must roll back. recorder_init() clears it. */
    bool in_caller_transaction;
};

/* Returns false, logging why, when tenant_id is not a uuid. */
bool recorder_init(struct recorder *recorder, PGconn *conn, const char *tenant_id);

/* Writes date_us as "2019-04-06 10:19:02.000000", the UTC text PostgreSQL
 * reads as a timestamp. A date outside the years 1 to 9999 gives text that
 * PostgreSQL rejects, so the statement fails. */
void recorder_time_format(int64_t date_us, char out[RECORDER_TIME_TEXT_SIZE]);

/* Parses PostgreSQL's timestamp output ("2019-04-06 10:19:02" with up to 6
 * fraction digits). Returns false on anything else.
 * NOTE: this is the output of DateStyle ISO, PostgreSQL's default; a
 * server configured with another DateStyle makes read-back dates unknown. */
bool recorder_time_parse(const char *text, int64_t *date_us);

/* ---- cars ------------------------------------------------------------ */

struct car_record {
    struct opt_int64 eid;               /* required: the API's id */
    struct opt_int64 vid;               /* required: the API's vehicle_id */
    const char *vin;                    /* required */
    const char *name;
    const char *model;                  /* "S", "3", "X", "Y", "Cybertruck" */
    struct opt_double efficiency;       /* kWh per km of range */
    const char *trim_badging;
    const char *marketing_name;
    const char *exterior_color;
    const char *wheel_type;
    const char *spoiler_type;
    struct opt_int64 display_priority;  /* unknown: the column default 1 on create */
};

/* The columns recorder_update_car() may write, as bits of a mask. */
enum car_column {
    CAR_COLUMN_EID,
    CAR_COLUMN_VID,
    CAR_COLUMN_VIN,
    CAR_COLUMN_NAME,
    CAR_COLUMN_MODEL,
    CAR_COLUMN_EFFICIENCY,
    CAR_COLUMN_TRIM_BADGING,
    CAR_COLUMN_MARKETING_NAME,
    CAR_COLUMN_EXTERIOR_COLOR,
    CAR_COLUMN_WHEEL_TYPE,
    CAR_COLUMN_SPOILER_TYPE,
    CAR_COLUMN_DISPLAY_PRIORITY,
    CAR_COLUMN_COUNT
};

#define CAR_COLUMN_BIT(column) (1u << (column))
#define CAR_COLUMNS_ALL ((1u << CAR_COLUMN_COUNT) - 1u)
/* The columns the vehicle list refreshes on an existing car. */
#define CAR_COLUMNS_IDENTITY                                                            \
    (CAR_COLUMN_BIT(CAR_COLUMN_EID) | CAR_COLUMN_BIT(CAR_COLUMN_VID) |                  \
     CAR_COLUMN_BIT(CAR_COLUMN_VIN) | CAR_COLUMN_BIT(CAR_COLUMN_NAME))
/* The columns identification from vehicle_config writes on every
 * start -> online. */
#define CAR_COLUMNS_DETAILS                                                             \
    (CAR_COLUMN_BIT(CAR_COLUMN_NAME) | CAR_COLUMN_BIT(CAR_COLUMN_MODEL) |               \
     CAR_COLUMN_BIT(CAR_COLUMN_TRIM_BADGING) | CAR_COLUMN_BIT(CAR_COLUMN_MARKETING_NAME) | \
     CAR_COLUMN_BIT(CAR_COLUMN_EXTERIOR_COLOR) | CAR_COLUMN_BIT(CAR_COLUMN_WHEEL_TYPE) |  \
     CAR_COLUMN_BIT(CAR_COLUMN_SPOILER_TYPE))

const char *car_column_name(enum car_column column);

struct car_settings_record {
    int64_t id;
    int suspend_min;
    int suspend_after_idle_min;
    bool req_not_unlocked;
    bool free_supercharging;
    bool use_streaming_api;
    bool enabled;
    bool lfp_battery;
};

/* Inserts a car_settings row with its defaults (suspend_min overridden when
 * known), then the car linked to it. A duplicate eid, vid or vin is a
 * RECORDER_CONSTRAINT_VIOLATION. */
enum recorder_status recorder_create_car(struct recorder *recorder, const struct car_record *car,
                                         struct opt_int64 suspend_min, int64_t *car_id);

/* Writes the columns named by the mask (a NULL text or an unknown number
 * stores NULL). Nothing is written, and updated_at stays, when every
 * value equals the stored one, and then *changed is false. */
enum recorder_status recorder_update_car(struct recorder *recorder, int64_t car_id,
                                         const struct car_record *car, unsigned columns,
                                         bool *changed);

/* Finds the car by vin, then vid, then eid (unknown values are skipped).
 * Found: writes CAR_COLUMNS_IDENTITY. Not found: recorder_create_car(). */
enum recorder_status recorder_create_or_update_car(struct recorder *recorder,
                                                   const struct car_record *car,
                                                   struct opt_int64 suspend_min, int64_t *car_id,
                                                   bool *created);

enum recorder_status recorder_load_car_settings(struct recorder *recorder, int64_t car_id,
                                                struct car_settings_record *settings);

/* Recomputes cars.efficiency from the car's charging processes, using the
 * tenant's settings.preferred_range ("rated" without a settings row). The
 * value is never reset to NULL. */
enum recorder_status recorder_update_car_efficiency(struct recorder *recorder, int64_t car_id);

/* ---- states ---------------------------------------------------------- */

enum state_status {
    STATE_STATUS_ONLINE,
    STATE_STATUS_OFFLINE,
    STATE_STATUS_ASLEEP,
    STATE_STATUS_COUNT
};

/* "online", "offline", "asleep": the labels of the states_status type. */
const char *state_status_name(enum state_status status);
bool state_status_parse(const char *text, enum state_status *status);

struct state_record {
    int64_t id;
    enum state_status status;
    int64_t start_date_us;
    bool has_end_date;
    int64_t end_date_us;
};

/* Opens a state at date_us. The same status already open: nothing is
 * written and *state_id is the open row. Another status open: it is closed
 * at date_us (a date before its start violates positive_duration) and the
 * new row opened, in one transaction. */
enum recorder_status recorder_start_state(struct recorder *recorder, int64_t car_id,
                                          enum state_status status, int64_t date_us,
                                          int64_t *state_id);

/* The open state (end_date NULL); *found is false when there is none. */
enum recorder_status recorder_get_current_state(struct recorder *recorder, int64_t car_id,
                                                struct state_record *state, bool *found);

/* ---- positions ------------------------------------------------------- */

struct position_record {
    struct opt_int64 date_us;                   /* required: the sample's own time */
    struct opt_double latitude;                 /* required, stored with 6 decimals */
    struct opt_double longitude;                /* required */
    struct opt_int64 elevation_m;
    struct opt_int64 speed_kmh;
    struct opt_int64 power_kw;
    struct opt_double odometer_km;              /* double precision: stored as given */
    struct opt_double ideal_battery_range_km;
    struct opt_double est_battery_range_km;
    struct opt_double rated_battery_range_km;
    struct opt_int64 battery_level;             /* percent */
    struct opt_int64 usable_battery_level;
    struct opt_double outside_temp_c;
    struct opt_double inside_temp_c;
    struct opt_int64 fan_status;
    struct opt_double driver_temp_setting_c;
    struct opt_double passenger_temp_setting_c;
    struct opt_bool is_climate_on;
    struct opt_bool is_rear_defroster_on;
    struct opt_bool is_front_defroster_on;
    struct opt_bool battery_heater;
    struct opt_bool battery_heater_on;
    struct opt_bool battery_heater_no_power;
    struct opt_double tpms_pressure_fl_bar;
    struct opt_double tpms_pressure_fr_bar;
    struct opt_double tpms_pressure_rl_bar;
    struct opt_double tpms_pressure_rr_bar;
};

/* A positions row read back; numeric columns as the doubles nearest to the
 * stored decimals. */
struct stored_position {
    int64_t id;
    int64_t car_id;
    int64_t drive_id;                           /* 0: not part of a drive */
    struct position_record record;
};

/* Inserts a position of car_id, part of drive_id unless it is 0. The
 * caller passes a drive of that car: the schema only checks that the drive
 * is the tenant's. */
enum recorder_status recorder_insert_position(struct recorder *recorder, int64_t car_id,
                                              int64_t drive_id,
                                              const struct position_record *position,
                                              int64_t *position_id);

/* The car's newest position by date among those with an ideal range
 * (what TeslaMate restores the last known values from). */
enum recorder_status recorder_get_latest_position(struct recorder *recorder, int64_t car_id,
                                                  struct stored_position *position, bool *found);

/* The tenant's position with the largest id, with or without a range. */
enum recorder_status recorder_get_last_inserted_position(struct recorder *recorder,
                                                         struct stored_position *position,
                                                         bool *found);

/* ---- drives ---------------------------------------------------------- */

/* Opens a drive: only car_id and start_date are set. The schema allows one
 * open drive per car, so a second start is a RECORDER_CONSTRAINT_VIOLATION. */
enum recorder_status recorder_start_drive(struct recorder *recorder, int64_t car_id,
                                          int64_t start_date_us, int64_t *drive_id);

struct drive_summary {
    int64_t drive_id;
    int64_t car_id;
    /* False: fewer than 2 positions, a distance under 0.01 km, or no
     * position with both an ideal range and an odometer. The drive row was
     * deleted, its positions kept with drive_id NULL; distance_km and
     * duration_min are 0 and nothing below is set. */
    bool kept;
    struct opt_double distance_km;              /* unknown when an end has no odometer */
    int64_t duration_min;
    int64_t start_date_us;
    int64_t end_date_us;
    int64_t start_position_id;
    int64_t end_position_id;
    double start_latitude;                      /* the stored 6-decimal values, */
    double start_longitude;                     /* for the address lookups */
    double end_latitude;
    double end_longitude;
    int64_t start_geofence_id;                  /* 0: no geofence contains the point */
    int64_t end_geofence_id;
};

/* Closes the drive from its positions with TeslaMate's aggregates, or
 * deletes it (see drive_summary.kept). A drive closed twice is recomputed
 * from its positions again. */
enum recorder_status recorder_close_drive(struct recorder *recorder, int64_t drive_id,
                                          struct drive_summary *summary);

/* Stores the addresses found for a closed drive's ends. An id of 0 keeps
 * that column as it is, for a failed lookup to be repaired later. */
enum recorder_status recorder_set_drive_addresses(struct recorder *recorder, int64_t drive_id,
                                                  int64_t start_address_id,
                                                  int64_t end_address_id);

struct open_drive {
    int64_t drive_id;
    int64_t start_date_us;
    int64_t position_count;
    bool has_last_position;
    struct stored_position last_position;       /* the newest by date */
};

/* The car's open drive (end_date NULL) and its newest position, so that a
 * restarted worker can resume or close it. */
enum recorder_status recorder_find_open_drive(struct recorder *recorder, int64_t car_id,
                                              struct open_drive *drive, bool *found);

/* ---- charging -------------------------------------------------------- */

struct charge_record {
    struct opt_int64 date_us;                   /* required: charge_state.timestamp */
    struct opt_double charge_energy_added_kwh;  /* required: the session's counter */
    struct opt_int64 charger_power_kw;          /* required; TeslaMate passes 0 for null */
    struct opt_double ideal_battery_range_km;   /* required */
    struct opt_double rated_battery_range_km;
    struct opt_int64 charger_phases;            /* > 0 when known */
    struct opt_int64 charger_actual_current_a;
    struct opt_int64 charger_pilot_current_a;
    struct opt_int64 charger_voltage_v;
    struct opt_int64 battery_level;
    struct opt_int64 usable_battery_level;
    struct opt_double outside_temp_c;
    struct opt_bool battery_heater_on;
    struct opt_bool battery_heater;
    struct opt_bool battery_heater_no_power;
    struct opt_bool fast_charger_present;
    struct opt_bool not_enough_power_to_heat;
    const char *conn_charge_cable;
    const char *fast_charger_brand;
    const char *fast_charger_type;
};

struct charging_start {
    int64_t charging_process_id;
    int64_t position_id;
    int64_t geofence_id;                        /* 0: none */
};

/* Inserts the position (latitude, longitude and date required) and a
 * charging process at it with start_date_us and the geofence containing
 * the unrounded point. */
enum recorder_status recorder_start_charging_process(struct recorder *recorder, int64_t car_id,
                                                     int64_t start_date_us,
                                                     const struct position_record *position,
                                                     struct charging_start *start);

/* Inserts one charge sample. A sample without date, charge_energy_added,
 * charger_power or ideal range, or with charger_phases <= 0, is rejected
 * with RECORDER_INVALID_INPUT and a warning; the session goes on. */
enum recorder_status recorder_insert_charge(struct recorder *recorder,
                                            int64_t charging_process_id,
                                            const struct charge_record *charge,
                                            int64_t *charge_id);

/* The charger's phase count for the energy used, decided from p (the mean of
 * power x 1000 / (current x voltage)), r (the rounded mean of the reported
 * phases) and the sample count. Returns false for "none" (then every
 * sample counts with its charger_power). A pure function. */
bool recorder_detect_phases(struct opt_double mean_phase_ratio, struct opt_int64 reported_phases,
                            int64_t sample_count, double *phases);

struct charging_summary {
    int64_t charging_process_id;
    int64_t car_id;
    int64_t charge_count;
    int64_t start_date_us;
    int64_t end_date_us;
    struct opt_double charge_energy_added_kwh;  /* as stored, 2 decimals */
    /* The integral before rounding to the column, as PostgreSQL's
     * float-to-numeric cast keeps it (15 significant digits); the cost
     * rules use this value. */
    struct opt_double charge_energy_used_kwh;
    struct opt_int64 duration_min;
    bool phases_known;
    double phases;                              /* 1, 2, 3 or sqrt(3) */
    char fast_charger_type[256];                /* the most frequent while charging; "" if none */
};

/* Completes the process from its charges, with the energy used and the
 * car's efficiency. Without charges only end_date
 * (= now_us) and NULL energies are written. Running it again stores the
 * same values. */
enum recorder_status recorder_complete_charging_process(struct recorder *recorder,
                                                        int64_t charging_process_id,
                                                        int64_t now_us,
                                                        struct charging_summary *summary);

/* Stores the address found for a process's position. */
enum recorder_status recorder_set_charging_process_address(struct recorder *recorder,
                                                           int64_t charging_process_id,
                                                           int64_t address_id);

struct open_charging_process {
    int64_t charging_process_id;
    int64_t start_date_us;
    int64_t position_id;
    struct stored_position position;            /* where the process started */
    int64_t charge_count;
    bool has_last_charge;
    int64_t last_charge_date_us;
};

/* The car's open charging process (end_date NULL) with its position and
 * its newest charge date. */
enum recorder_status recorder_find_open_charging_process(struct recorder *recorder,
                                                         int64_t car_id,
                                                         struct open_charging_process *process,
                                                         bool *found);

/* ---- updates --------------------------------------------------------- */

struct update_record {
    int64_t id;
    int64_t start_date_us;
    bool has_end_date;
    int64_t end_date_us;
    char version[RECORDER_VERSION_SIZE];        /* "" when NULL */
};

enum recorder_status recorder_start_update(struct recorder *recorder, int64_t car_id,
                                           int64_t start_date_us, int64_t *update_id);
enum recorder_status recorder_finish_update(struct recorder *recorder, int64_t update_id,
                                            const char *version, int64_t end_date_us);
/* Deletes the update row. */
enum recorder_status recorder_cancel_update(struct recorder *recorder, int64_t update_id);
/* An update seen only afterwards: start_date = end_date = date_us. */
enum recorder_status recorder_insert_missed_update(struct recorder *recorder, int64_t car_id,
                                                   const char *version, int64_t date_us,
                                                   int64_t *update_id);
/* The newest update by start_date, finished or not. */
enum recorder_status recorder_get_latest_update(struct recorder *recorder, int64_t car_id,
                                                struct update_record *update, bool *found);
/* The newest update still open (end_date NULL), for a restarted worker. */
enum recorder_status recorder_find_open_update(struct recorder *recorder, int64_t car_id,
                                               struct update_record *update, bool *found);

#endif
