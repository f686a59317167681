/*
 * log: leveled log lines with the process identity on every line.
 *
 * Contract: one logger per process. log_init() sets the program name, the
 * format (text or JSON lines) and the minimum level; log_set_tenant() sets
 * the tenant id that every later line carries. Lines go to standard error,
 * or to the file named by log_open_file(), which log_reopen() reopens after
 * rotation (SIGHUP). Functions never block on anything but the write(2) of
 * one line, never allocate for lines below the minimum level, and are not
 * async-signal-safe: call them from the event loop, never from a handler.
 * Callers must never pass a secret in a message.
 */
#ifndef TENANTMATE_LOG_H
#define TENANTMATE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level {
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARNING,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_COUNT
};

enum log_format {
    LOG_FORMAT_TEXT,
    LOG_FORMAT_JSON,
    LOG_FORMAT_COUNT
};

/* No car: the car field is left out of the line. */
#define LOG_NO_CAR INT64_C(-1)

void log_init(const char *program, enum log_format format, enum log_level min_level);

/* Configure from TENANTMATE_LOG_LEVEL, TENANTMATE_LOG_FORMAT and
 * TENANTMATE_LOG_FILE. Returns false, after logging which variable is
 * invalid, when one of them is. */
bool log_init_from_env(const char *program);

void log_set_tenant(const char *tenant_id);
bool log_open_file(const char *path);
bool log_reopen(void);
bool log_enabled(enum log_level level);

const char *log_level_name(enum log_level level);
bool log_level_parse(const char *text, enum log_level *level);

void log_write(enum log_level level, int64_t car_id, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void log_write_va(enum log_level level, int64_t car_id, const char *format, va_list args)
    __attribute__((format(printf, 3, 0)));

#define log_debug(...)   log_write(LOG_LEVEL_DEBUG, LOG_NO_CAR, __VA_ARGS__)
#define log_info(...)    log_write(LOG_LEVEL_INFO, LOG_NO_CAR, __VA_ARGS__)
#define log_warning(...) log_write(LOG_LEVEL_WARNING, LOG_NO_CAR, __VA_ARGS__)
#define log_error(...)   log_write(LOG_LEVEL_ERROR, LOG_NO_CAR, __VA_ARGS__)

#define log_car_debug(car, ...)   log_write(LOG_LEVEL_DEBUG, (car), __VA_ARGS__)
#define log_car_info(car, ...)    log_write(LOG_LEVEL_INFO, (car), __VA_ARGS__)
#define log_car_warning(car, ...) log_write(LOG_LEVEL_WARNING, (car), __VA_ARGS__)
#define log_car_error(car, ...)   log_write(LOG_LEVEL_ERROR, (car), __VA_ARGS__)

#endif
