/*
 * worker_fsm: the lifecycle of one supervised worker as a state x event
 * table, in the manner of s6-supervise.
 *
 * Contract: pure. worker_fsm_step() looks up what an event does in a
 * state: the next state and the one action the caller must carry out. It
 * does no I/O, reads no clock and keeps no state; worker.c owns the
 * processes, timers and locks the actions act on. An event with no entry
 * in a state is ignored (worker_fsm_step() returns false). Tenant workers
 * and the repair service share the table. They differ only in how an exit
 * status maps to an event.
 */
#ifndef TENANTMATE_WORKER_FSM_H
#define TENANTMATE_WORKER_FSM_H

#include <stdbool.h>

enum worker_kind {
    WORKER_KIND_TENANT,   /* tenantmate-worker --tenant UUID, one per active tenant */
    WORKER_KIND_REPAIR,   /* tenantmate-worker --service repair, one per cluster */
    WORKER_KIND_COUNT
};

enum worker_state {
    WORKER_DOWN,      /* lock taken, no process yet */
    WORKER_STARTING,  /* forked, not yet reported ready */
    WORKER_UP,        /* reported ready on its readiness pipe */
    WORKER_STOPPING,  /* sent SIGTERM; SIGKILL when the stop timer fires */
    WORKER_BACKOFF,   /* exited unexpectedly; restart timer running */
    WORKER_HELD,      /* exited with a "do not restart" status; waits for new tokens */
    WORKER_STOPPED,   /* final: status written, lock released, entry removed */
    WORKER_STATE_COUNT
};

enum worker_event {
    WORKER_EVENT_RESCAN_ACTIVE,    /* a rescan found the tenant active */
    WORKER_EVENT_STOP,             /* tenant inactive, lock lost or shutdown */
    WORKER_EVENT_TOKEN_CHANGED,    /* the tenant's token row changed */
    WORKER_EVENT_READY,            /* the worker wrote to its readiness pipe */
    WORKER_EVENT_EXIT_STOPPED,     /* exit status WORKER_EXIT_STOPPED */
    WORKER_EVENT_EXIT_INACTIVE,    /* exit status WORKER_EXIT_TENANT_INACTIVE */
    WORKER_EVENT_EXIT_HOLD,        /* exit status TOKENS_REJECTED or NO_TOKENS */
    WORKER_EVENT_EXIT_CRASH,       /* any other status, or killed by a signal */
    WORKER_EVENT_SPAWN_FAILED,     /* fork or pipe failed in the supervisor */
    WORKER_EVENT_TIMER,            /* restart timer or stop timer fired */
    WORKER_EVENT_COUNT
};

enum worker_action {
    WORKER_ACTION_NONE,
    WORKER_ACTION_SPAWN,             /* fork and exec the worker */
    WORKER_ACTION_SPAWN_FRESH,       /* reset the restart delay, then spawn */
    WORKER_ACTION_TERMINATE,         /* SIGTERM and start the stop timer */
    WORKER_ACTION_KILL,              /* SIGKILL */
    WORKER_ACTION_SCHEDULE_RESTART,  /* start the restart timer with the next delay */
    WORKER_ACTION_RECHECK_RESTART,   /* schedule a restart and ask for a rescan now */
    WORKER_ACTION_HOLD,              /* log why it waits for the token row */
    WORKER_ACTION_RELEASE,           /* release the lock and remove the entry */
    WORKER_ACTION_COUNT
};

struct worker_transition {
    enum worker_state next;
    enum worker_action action;
};

bool worker_fsm_step(enum worker_state state, enum worker_event event,
                     struct worker_transition *transition);

/* The event for a process's wait status (from waitpid). Tenant workers
 * follow exit_codes.h. The repair service has no tenant and no tokens,
 * so every status but WORKER_EXIT_STOPPED counts as a crash. */
enum worker_event worker_fsm_exit_event(enum worker_kind kind, int wait_status);

const char *worker_kind_name(enum worker_kind kind);
const char *worker_state_name(enum worker_state state);
const char *worker_event_name(enum worker_event event);
const char *worker_action_name(enum worker_action action);

/* Whether a state has a live process (STARTING, UP, STOPPING). */
bool worker_state_has_process(enum worker_state state);

#endif
