/*
 * import_store_internal: what the import_store_*.c files share. Not for
 * other modules: use import_store.h.
 *
 * Every helper stores a failure in store->message (with PostgreSQL's
 * message) and adds its wall time to store->database_s. Transactions are
 * the tenant's (db_begin_tenant()), with the recorder joining them.
 */
#ifndef TENANTMATE_IMPORT_STORE_INTERNAL_H
#define TENANTMATE_IMPORT_STORE_INTERNAL_H

#include "import_store.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Monotonic wall-clock time in seconds, for store->database_s. */
double store_wall_s(void);

/* Opens a tenant transaction that recorder calls join. */
bool store_begin(struct import_store *store, const char *action);
/* Commits; on failure rolls back and stores the message. */
bool store_commit(struct import_store *store, const char *action);
/* Rolls back (after a failure already stored) and detaches the recorder. */
void store_rollback(struct import_store *store);

/* Runs one statement; returns the result (the caller's to PQclear) or
 * NULL with the message stored as "<action>: <PostgreSQL's message>". */
PGresult *store_query(struct import_store *store, const char *action, const char *sql,
                      int count, const char *const *values);
bool store_command(struct import_store *store, const char *action, const char *sql, int count,
                   const char *const *values);

/* Stores "<action>: <the recorder's message>" after a failed recorder call. */
bool store_recorder_failed(struct import_store *store, const char *action);

/* Reads a timestamp column of PostgreSQL's text output in epoch
 * milliseconds, rounded up to the next whole millisecond. */
bool store_time_ms(const char *text, int64_t *ms);

/* "2016-06-26 14:59:31.000000" for epoch milliseconds. */
void store_time_text(int64_t ms, char out[RECORDER_TIME_TEXT_SIZE]);

/* Completes placeholder drives and charging processes of the car dated
 * before the limit (left by an interrupted invocation), inside the open
 * transaction. */
bool store_complete_placeholders(struct import_store *store, struct import_write_counts *counts);

/* Aggregates one drive or charging process inside the open transaction
 * and counts the outcome. */
bool store_close_drive(struct import_store *store, int64_t drive_id,
                       struct import_write_counts *counts);
bool store_complete_charging_process(struct import_store *store, int64_t charging_process_id,
                                     int64_t end_ms, struct import_write_counts *counts);

/* Inserts rejections (duplicates of a row already stored count once)
 * inside the open transaction. */
bool store_insert_rejections(struct import_store *store, const char *file_name,
                             const char *fingerprint, const struct import_rejection *rejections,
                             size_t count, struct import_write_counts *counts);

#endif
