/*
 * tenantmate import: imports a tenant's TeslaFi CSV exports (see
 * worker/import.h for what a run does and docs/import.md for operators).
 */
#include "cli.h"

#include "env.h"
#include "import.h"
#include "import_report.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE                                                                          \
    "usage: tenantmate import --tenant UUID --time-zone AREA/CITY [--dry-run]\n"       \
    "                         [--vehicle-id ID] FILE_OR_DIR...\n"                      \
    "       tenantmate import --tenant UUID --discard FILE_OR_DIR...\n"

struct import_arguments {
    const char *tenant;
    const char *time_zone;
    const char *vehicle_id;
    bool dry_run;
    bool discard;
    char **paths;
    size_t path_count;
};

static bool option_value(int argc, char **argv, int *i, const char **value)
{
    if (*i + 1 >= argc) {
        log_error("import: missing value for %s\n%s", argv[*i], USAGE);
        return false;
    }
    *value = argv[++*i];
    return true;
}

/* Options anywhere; every other argument is a path. "--" ends options. */
static bool parse_arguments(int argc, char **argv, struct import_arguments *arguments)
{
    bool options_done = false;

    memset(arguments, 0, sizeof(*arguments));
    arguments->paths = calloc((size_t)argc, sizeof(*arguments->paths));
    if (arguments->paths == NULL)
        return false;

    for (int i = 1; i < argc; i++) {
        const char *argument = argv[i];
        bool ok = true;

        if (options_done || argument[0] != '-' || strcmp(argument, "-") == 0)
            arguments->paths[arguments->path_count++] = argv[i];
        else if (strcmp(argument, "--") == 0)
            options_done = true;
        else if (strcmp(argument, "--tenant") == 0)
            ok = option_value(argc, argv, &i, &arguments->tenant);
        else if (strcmp(argument, "--time-zone") == 0)
            ok = option_value(argc, argv, &i, &arguments->time_zone);
        else if (strcmp(argument, "--vehicle-id") == 0)
            ok = option_value(argc, argv, &i, &arguments->vehicle_id);
        else if (strcmp(argument, "--dry-run") == 0)
            arguments->dry_run = true;
        else if (strcmp(argument, "--discard") == 0)
            arguments->discard = true;
        else {
            log_error("import: unknown option %s\n%s", argument, USAGE);
            ok = false;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* --vehicle-id, else TESLAFI_IMPORT_VEHICLE_ID (TeslaMate's variable), else 1. */
static bool fallback_vehicle_id(const struct import_arguments *arguments, int64_t *out)
{
    long from_environment;
    char *end;

    if (arguments->vehicle_id == NULL) {
        if (!env_integer("TESLAFI_IMPORT_VEHICLE_ID", 1, 1, 0x7fffffffL, &from_environment))
            return false;
        *out = from_environment;
        return true;
    }
    errno = 0;
    *out = strtoll(arguments->vehicle_id, &end, 10);
    if (errno != 0 || *end != '\0' || end == arguments->vehicle_id || *out <= 0) {
        log_error("import: invalid --vehicle-id \"%s\": give the car's Tesla vehicle id, a "
                  "positive integer",
                  arguments->vehicle_id);
        return false;
    }
    return true;
}

static bool check_arguments(const struct import_arguments *arguments,
                            char tenant_id[UUID_TEXT_SIZE], struct import_options *options)
{
    if (!cli_parse_tenant(arguments->tenant, tenant_id))
        return false;
    if (arguments->path_count == 0) {
        log_error("import: no file or directory given: name the TeslaFi CSV exports or the "
                  "directory holding them\n%s",
                  USAGE);
        return false;
    }
    if (!arguments->discard && arguments->time_zone == NULL) {
        log_error("import: missing --time-zone: TeslaFi writes local times, so give the zone "
                  "of the car's home, such as Europe/Berlin\n%s",
                  USAGE);
        return false;
    }

    memset(options, 0, sizeof(*options));
    options->tenant_id = tenant_id;
    options->time_zone = arguments->time_zone;
    options->paths = arguments->paths;
    options->path_count = arguments->path_count;
    options->dry_run = arguments->dry_run;
    return fallback_vehicle_id(arguments, &options->fallback_vehicle_id);
}

static int exit_status(enum import_outcome outcome)
{
    if (outcome == IMPORT_OUTCOME_COMPLETE)
        return 0;
    return outcome == IMPORT_OUTCOME_INVALID_ARGUMENTS ? 2 : 1;
}

static int run(const struct import_arguments *arguments, const struct import_options *options)
{
    struct import_summary *summary = calloc(1, sizeof(*summary));
    struct import_report report;
    struct import_progress progress;
    PGconn *conn = NULL;
    int status;

    if (summary == NULL)
        return 1;
    if (!options->dry_run && (conn = cli_connect()) == NULL) {
        free(summary);
        return 1;
    }

    if (arguments->discard) {
        import_discard(conn, options, summary);
        printf("%s\n", summary->message);
    } else {
        import_report_init(&report, stderr);
        report.dry_run = options->dry_run;
        progress = import_report_progress(&report);
        import_execute(conn, options, &progress, summary);
        /* Refused before any work: the logged error explains it. */
        if (summary->outcome != IMPORT_OUTCOME_INVALID_ARGUMENTS &&
            summary->outcome != IMPORT_OUTCOME_BUSY)
            import_report_summary(stdout, options, summary);
    }
    status = exit_status(summary->outcome);

    if (conn != NULL)
        PQfinish(conn);
    free(summary);
    return status;
}

int command_import(int argc, char **argv)
{
    struct import_arguments arguments;
    struct import_options options;
    char tenant_id[UUID_TEXT_SIZE];
    int status = 2;

    if (parse_arguments(argc, argv, &arguments) &&
        check_arguments(&arguments, tenant_id, &options))
        status = run(&arguments, &options);
    free(arguments.paths);
    return status;
}
