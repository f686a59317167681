/*
 * tenantmate-supervisor: keeps one tenantmate-worker process running for
 * every active tenant. Configuration comes from the environment only;
 * docs/supervisor.md lists every variable.
 */
#include "config.h"
#include "log.h"
#include "process_title.h"
#include "supervisor.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tenantmate-supervisor\n"
    "\n"
    "Starts one tenantmate-worker per active tenant and restarts it with backoff.\n"
    "Settings come from the environment: DATABASE_URL or PG* (or\n"
    "TENANTMATE_SUPERVISOR_DATABASE_URL), TENANTMATE_WORKER_PATH,\n"
    "TENANTMATE_RESCAN_INTERVAL, TENANTMATE_STOP_TIMEOUT, TENANTMATE_LOCK_LEASE,\n"
    "TENANTMATE_WORKER_MAX_ADDRESS_SPACE_MB, TENANTMATE_WORKER_MAX_OPEN_FILES,\n"
    "TENANTMATE_HOST and TENANTMATE_LOG_*.\n"
    "Signals: TERM/INT stop, HUP rescans and reopens the log, USR1 logs the table.\n";

/* Open /dev/null on any closed standard descriptor, so that no pipe or
 * socket can become a child's standard input, output or error. */
static bool ensure_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened != fd) {
            if (opened >= 0)
                close(opened);
            return false;
        }
    }
    return true;
}

static int parse_arguments(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc > 1) {
        log_error("unexpected argument \"%s\": the supervisor takes no arguments, "
                  "only environment variables (see --help)",
                  argv[1]);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    char **arguments = process_title_init(argc, argv);

    if (arguments == NULL)
        arguments = argv;
    if (!ensure_standard_descriptors())
        return 1;
    if (!log_init_from_env("tenantmate-supervisor"))
        return 1;

    int status = parse_arguments(argc, arguments);
    if (status >= 0)
        return status;

    static struct supervisor_config config;
    if (!config_from_env(&config))
        return 1;

    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (loop == NULL) {
        log_error("cannot initialise libev's default loop: check LIBEV_FLAGS");
        return 1;
    }

    static struct supervisor supervisor;
    supervisor_init(&supervisor, loop, &config);
    supervisor_start(&supervisor);
    ev_run(loop, 0);
    supervisor_free(&supervisor);
    ev_loop_destroy(loop);

    log_info("stopped");
    return 0;
}
