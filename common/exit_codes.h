/*
 * exit_codes: the contract between tenantmate-worker and the supervisor.
 *
 * A worker's exit status tells the supervisor what to do next. Statuses not
 * listed here, and death by a signal, count as a crash: the supervisor
 * restarts the worker after an exponential backoff (1 s doubling to 5 min,
 * reset after 10 min of stable running). The values stay clear of 1 and 2
 * (generic failure and usage), of sysexits(3) and of 126 and up (shell and
 * signal conventions).
 */
#ifndef TENANTMATE_EXIT_CODES_H
#define TENANTMATE_EXIT_CODES_H

enum worker_exit {
    /* Asked to stop (SIGTERM or SIGINT): do not restart unless the tenant
     * is still active at the next rescan. */
    WORKER_EXIT_STOPPED = 0,

    /* The tenant is no longer active (deleted, subscription ended): do not
     * restart until a rescan finds it active again. */
    WORKER_EXIT_TENANT_INACTIVE = 40,

    /* Tesla rejected the tokens (invalid grant) or they cannot be decrypted:
     * do not restart until the tenant's token row changes. */
    WORKER_EXIT_TOKENS_REJECTED = 41,

    /* The tenant does not exist or has no token row: do not restart until
     * the token row appears. */
    WORKER_EXIT_NO_TOKENS = 42,

    /* The configuration (environment) is invalid: restart with backoff, since
     * a fixed environment needs a supervisor restart anyway. */
    WORKER_EXIT_CONFIG = 43,
};

const char *worker_exit_name(int status);

#endif
