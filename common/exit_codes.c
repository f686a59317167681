#include "exit_codes.h"

const char *worker_exit_name(int status)
{
    switch (status) {
    case WORKER_EXIT_STOPPED:
        return "stopped";
    case WORKER_EXIT_TENANT_INACTIVE:
        return "tenant inactive";
    case WORKER_EXIT_TOKENS_REJECTED:
        return "tokens rejected";
    case WORKER_EXIT_NO_TOKENS:
        return "no tokens";
    case WORKER_EXIT_CONFIG:
        return "invalid configuration";
    case WORKER_EXIT_EXEC_FAILED:
        return "cannot execute the worker";
    default:
        return "crash";
    }
}
