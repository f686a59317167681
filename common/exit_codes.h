/*
 * exit_codes: the contract between tenantmate-worker and the supervisor.
 *
 * A worker's exit status tells the supervisor what to do next. Statuses not
 * listed here, and death by a signal, count as a crash: the supervisor
 * restarts the worker after an exponential backoff (1 s doubling to 5 min,
 * reset after 10 min of stable running). A worker that exits on its own,
 * even with WORKER_EXIT_STOPPED (for example after an operator's kill -TERM
 * of the worker), is restarted after the backoff too; only a worker the
 * supervisor asked to stop is not. The worker's own values stay clear of 1
 * and 2 (generic failure and usage), of sysexits(3) and of 126 and up
 * (shell and signal conventions); WORKER_EXIT_EXEC_FAILED is the one value
 * there, set by the supervisor's child process, never by the worker.
 */
#ifndef TENANTMATE_EXIT_CODES_H
#define TENANTMATE_EXIT_CODES_H

enum worker_exit {
    /* Stopped on SIGTERM or SIGINT. When the supervisor sent the signal the
     * worker stays down until a rescan finds its tenant active again. */
    WORKER_EXIT_STOPPED = 0,

    /* The worker found its tenant no longer active (deleted, subscription
     * ended): the supervisor rescans at once and drops the tenant when the
     * rescan agrees, or restarts the worker after the backoff when not. */
    WORKER_EXIT_TENANT_INACTIVE = 40,

    /* The tokens are unusable: Tesla rejected the refresh token (invalid
     * grant, login required) or the token row does not decrypt with
     * ENCRYPTION_KEY. Do not restart until the tenant's token row changes. */
    WORKER_EXIT_TOKENS_REJECTED = 41,

    /* The tenant does not exist or has no token row: do not restart until
     * the token row appears. */
    WORKER_EXIT_NO_TOKENS = 42,

    /* The configuration (command line, environment or the resource limits
     * the supervisor applies) is invalid: restart with backoff, since a
     * fixed environment needs a supervisor restart anyway. */
    WORKER_EXIT_CONFIG = 43,

    /* The supervisor's child could not execute the worker program (as a
     * shell reports a command it cannot run): a crash, restarted with
     * backoff. */
    WORKER_EXIT_EXEC_FAILED = 127,
};

const char *worker_exit_name(int status);

#endif
