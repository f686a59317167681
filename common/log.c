#include "log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

struct logger {
    char program[32];
    char tenant_id[40];
    enum log_format format;
    enum log_level min_level;
    int fd;
    char path[512];
};

static struct logger logger = {
    .program = "tenantmate",
    .format = LOG_FORMAT_TEXT,
    .min_level = LOG_LEVEL_INFO,
    .fd = STDERR_FILENO,
};

static const char *const level_names[LOG_LEVEL_COUNT] = {
    [LOG_LEVEL_DEBUG] = "debug",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_WARNING] = "warning",
    [LOG_LEVEL_ERROR] = "error",
};

_Static_assert(sizeof(level_names) / sizeof(level_names[0]) == LOG_LEVEL_COUNT,
               "level_names must name every log level");

const char *log_level_name(enum log_level level)
{
    if (level < 0 || level >= LOG_LEVEL_COUNT)
        return "unknown";
    return level_names[level];
}

bool log_level_parse(const char *text, enum log_level *level)
{
    for (int i = 0; i < LOG_LEVEL_COUNT; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return true;
        }
    }
    return false;
}

void log_init(const char *program, enum log_format format, enum log_level min_level)
{
    snprintf(logger.program, sizeof(logger.program), "%s", program);
    logger.format = format;
    logger.min_level = min_level;
}

bool log_init_from_env(const char *program)
{
    const char *level_text = getenv("TENANTMATE_LOG_LEVEL");
    const char *format_text = getenv("TENANTMATE_LOG_FORMAT");
    const char *path = getenv("TENANTMATE_LOG_FILE");
    enum log_level level = LOG_LEVEL_INFO;
    enum log_format format = LOG_FORMAT_TEXT;

    log_init(program, format, level);

    if (level_text != NULL && *level_text != '\0' && !log_level_parse(level_text, &level)) {
        log_error("invalid TENANTMATE_LOG_LEVEL \"%s\": use debug, info, warning or error",
                  level_text);
        return false;
    }

    if (format_text != NULL && *format_text != '\0') {
        if (strcmp(format_text, "json") == 0) {
            format = LOG_FORMAT_JSON;
        } else if (strcmp(format_text, "text") != 0) {
            log_error("invalid TENANTMATE_LOG_FORMAT \"%s\": use text or json", format_text);
            return false;
        }
    }

    log_init(program, format, level);

    if (path != NULL && *path != '\0')
        return log_open_file(path);
    return true;
}

void log_set_tenant(const char *tenant_id)
{
    snprintf(logger.tenant_id, sizeof(logger.tenant_id), "%s",
             tenant_id != NULL ? tenant_id : "");
}

static int open_log_file(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

bool log_open_file(const char *path)
{
    int fd = open_log_file(path);

    if (fd < 0) {
        log_error("cannot open log file \"%s\": %s", path, strerror(errno));
        return false;
    }

    if (logger.fd != STDERR_FILENO)
        close(logger.fd);
    logger.fd = fd;
    snprintf(logger.path, sizeof(logger.path), "%s", path);
    return true;
}

bool log_reopen(void)
{
    if (logger.path[0] == '\0')
        return true;

    int fd = open_log_file(logger.path);
    if (fd < 0) {
        log_error("cannot reopen log file \"%s\", still writing to the old one: %s",
                  logger.path, strerror(errno));
        return false;
    }

    close(logger.fd);
    logger.fd = fd;
    log_info("log file reopened");
    return true;
}

bool log_enabled(enum log_level level)
{
    return level >= logger.min_level;
}

static void format_timestamp(char *out, size_t size)
{
    struct timeval now;
    struct tm utc;

    gettimeofday(&now, NULL);
    gmtime_r(&now.tv_sec, &utc);
    size_t length = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out + length, size - length, ".%03ldZ", (long)(now.tv_usec / 1000));
}

static size_t format_text_line(char *line, size_t size, const char *timestamp,
                               enum log_level level, int64_t car_id, const char *message)
{
    char identity[96] = "";
    size_t used = 0;

    if (logger.tenant_id[0] != '\0')
        used += (size_t)snprintf(identity, sizeof(identity), " tenant=%s", logger.tenant_id);
    if (car_id != LOG_NO_CAR && used < sizeof(identity))
        snprintf(identity + used, sizeof(identity) - used, " car=%lld", (long long)car_id);

    int length = snprintf(line, size, "%s %s %s[%d]%s: %s\n", timestamp, log_level_name(level),
                          logger.program, (int)getpid(), identity, message);
    if (length < 0)
        return 0;
    if ((size_t)length >= size) {
        line[size - 2] = '\n';
        line[size - 1] = '\0';
        return size - 1;
    }
    return (size_t)length;
}

static size_t format_json_line(char *line, size_t size, const char *timestamp,
                               enum log_level level, int64_t car_id, const char *message)
{
    cJSON *object = cJSON_CreateObject();
    if (object == NULL)
        return 0;

    cJSON_AddStringToObject(object, "time", timestamp);
    cJSON_AddStringToObject(object, "level", log_level_name(level));
    cJSON_AddStringToObject(object, "program", logger.program);
    cJSON_AddNumberToObject(object, "pid", (double)getpid());
    if (logger.tenant_id[0] != '\0')
        cJSON_AddStringToObject(object, "tenant", logger.tenant_id);
    if (car_id != LOG_NO_CAR)
        cJSON_AddNumberToObject(object, "car", (double)car_id);
    cJSON_AddStringToObject(object, "message", message);

    size_t length = 0;
    if (cJSON_PrintPreallocated(object, line, (int)size - 1, false)) {
        length = strlen(line);
        line[length++] = '\n';
        line[length] = '\0';
    }
    cJSON_Delete(object);
    return length;
}

void log_write_va(enum log_level level, int64_t car_id, const char *format, va_list args)
{
    if (!log_enabled(level))
        return;

    int saved_errno = errno;
    char message[LOG_LINE_MAX / 2];
    char line[LOG_LINE_MAX];
    char timestamp[32];

    vsnprintf(message, sizeof(message), format, args);
    format_timestamp(timestamp, sizeof(timestamp));

    size_t length;
    if (logger.format == LOG_FORMAT_JSON)
        length = format_json_line(line, sizeof(line), timestamp, level, car_id, message);
    else
        length = format_text_line(line, sizeof(line), timestamp, level, car_id, message);

    /* One write(2) per line so lines of concurrent processes never interleave. */
    if (length > 0 && write(logger.fd, line, length) < 0) {
        /* Nowhere left to report a failed log write. */
    }
    errno = saved_errno;
}

void log_write(enum log_level level, int64_t car_id, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    log_write_va(level, car_id, format, args);
    va_end(args);
}
