/*
 * spawn: fork and exec one tenantmate-worker.
 *
 * Contract: spawn_worker() forks; the child moves to its own process
 * group (so a terminal's Ctrl-C reaches only the supervisor, which then
 * stops the workers in order), unblocks every signal, asks for SIGTERM
 * when the supervisor dies (PR_SET_PDEATHSIG), applies the resource
 * limits, keeps only standard input, output, error and the readiness pipe
 * open, and execs `WORKER_PATH OPTION VALUE` (`--tenant UUID`, or
 * `--service repair` for the repair service). Secrets never go into argv:
 * the worker inherits the supervisor's environment, without
 * TENANTMATE_SUPERVISOR_DATABASE_URL and with TENANTMATE_READY_FD (the
 * pipe's descriptor, on which the worker writes a newline once its start-up
 * checks passed) and TENANTMATE_SUPERVISOR_PID. A child that cannot exec
 * exits WORKER_EXIT_EXEC_FAILED; one whose limits cannot be applied exits
 * WORKER_EXIT_CONFIG. The parent blocks for the fork only.
 */
#ifndef TENANTMATE_SPAWN_H
#define TENANTMATE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The descriptor number the readiness pipe gets in the worker. */
#define SPAWN_READY_FD 3

struct spawn_settings {
    const char *worker_path;
    long max_address_space_mb;   /* 0: no limit */
    long max_open_files;         /* 0: inherited */
};

struct spawned_worker {
    pid_t pid;
    int ready_fd;                /* read end, non-blocking, close-on-exec */
};

/* Returns false with a description of the failing call in error. */
bool spawn_worker(const struct spawn_settings *settings, const char *option, const char *value,
                  struct spawned_worker *spawned, char *error, size_t error_size);

#endif
