#include "worker_fsm.h"

#include "exit_codes.h"

#include <stddef.h>
#include <sys/wait.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct table_entry {
    bool defined;
    enum worker_state next;
    enum worker_action action;
};

#define GO(state, act) { .defined = true, .next = (state), .action = (act) }

/* Exits and stops of a running worker, shared by STARTING and UP. */
#define RUNNING_EXITS                                                                   \
    [WORKER_EVENT_EXIT_STOPPED] = GO(WORKER_BACKOFF, WORKER_ACTION_SCHEDULE_RESTART),   \
    [WORKER_EVENT_EXIT_CRASH] = GO(WORKER_BACKOFF, WORKER_ACTION_SCHEDULE_RESTART),     \
    [WORKER_EVENT_EXIT_INACTIVE] = GO(WORKER_BACKOFF, WORKER_ACTION_RECHECK_RESTART),   \
    [WORKER_EVENT_EXIT_HOLD] = GO(WORKER_HELD, WORKER_ACTION_HOLD),                     \
    [WORKER_EVENT_STOP] = GO(WORKER_STOPPING, WORKER_ACTION_TERMINATE)

/* Rows are states, columns events. A worker that exits unrequested is
 * restarted after the backoff, status 0 included (as after an operator's
 * kill). A worker the supervisor asked to stop is released. */
static const struct table_entry transitions[WORKER_STATE_COUNT][WORKER_EVENT_COUNT] = {
    [WORKER_DOWN] = {
        [WORKER_EVENT_RESCAN_ACTIVE] = GO(WORKER_STARTING, WORKER_ACTION_SPAWN),
        [WORKER_EVENT_STOP] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
    },
    [WORKER_STARTING] = {
        RUNNING_EXITS,
        [WORKER_EVENT_RESCAN_ACTIVE] = GO(WORKER_STARTING, WORKER_ACTION_NONE),
        [WORKER_EVENT_READY] = GO(WORKER_UP, WORKER_ACTION_NONE),
        [WORKER_EVENT_SPAWN_FAILED] = GO(WORKER_BACKOFF, WORKER_ACTION_SCHEDULE_RESTART),
    },
    [WORKER_UP] = {
        RUNNING_EXITS,
        [WORKER_EVENT_RESCAN_ACTIVE] = GO(WORKER_UP, WORKER_ACTION_NONE),
    },
    [WORKER_STOPPING] = {
        [WORKER_EVENT_EXIT_STOPPED] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
        [WORKER_EVENT_EXIT_CRASH] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
        [WORKER_EVENT_EXIT_INACTIVE] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
        [WORKER_EVENT_EXIT_HOLD] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
        [WORKER_EVENT_TIMER] = GO(WORKER_STOPPING, WORKER_ACTION_KILL),
    },
    [WORKER_BACKOFF] = {
        [WORKER_EVENT_TIMER] = GO(WORKER_STARTING, WORKER_ACTION_SPAWN),
        [WORKER_EVENT_TOKEN_CHANGED] = GO(WORKER_STARTING, WORKER_ACTION_SPAWN_FRESH),
        [WORKER_EVENT_STOP] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
    },
    [WORKER_HELD] = {
        [WORKER_EVENT_TOKEN_CHANGED] = GO(WORKER_STARTING, WORKER_ACTION_SPAWN_FRESH),
        [WORKER_EVENT_STOP] = GO(WORKER_STOPPED, WORKER_ACTION_RELEASE),
    },
};

bool worker_fsm_step(enum worker_state state, enum worker_event event,
                     struct worker_transition *transition)
{
    if (state < 0 || state >= WORKER_STATE_COUNT || event < 0 || event >= WORKER_EVENT_COUNT)
        return false;

    const struct table_entry *entry = &transitions[state][event];
    if (!entry->defined)
        return false;

    transition->next = entry->next;
    transition->action = entry->action;
    return true;
}

enum worker_event worker_fsm_exit_event(enum worker_kind kind, int wait_status)
{
    if (!WIFEXITED(wait_status))
        return WORKER_EVENT_EXIT_CRASH;

    int status = WEXITSTATUS(wait_status);
    if (status == WORKER_EXIT_STOPPED)
        return WORKER_EVENT_EXIT_STOPPED;
    if (kind != WORKER_KIND_TENANT)
        return WORKER_EVENT_EXIT_CRASH;

    switch (status) {
    case WORKER_EXIT_TENANT_INACTIVE:
        return WORKER_EVENT_EXIT_INACTIVE;
    case WORKER_EXIT_TOKENS_REJECTED:
    case WORKER_EXIT_NO_TOKENS:
        return WORKER_EVENT_EXIT_HOLD;
    default:
        return WORKER_EVENT_EXIT_CRASH;
    }
}

static const char *const kind_names[WORKER_KIND_COUNT] = {
    [WORKER_KIND_TENANT] = "tenant",
    [WORKER_KIND_REPAIR] = "repair",
};

static const char *const state_names[WORKER_STATE_COUNT] = {
    [WORKER_DOWN] = "down",
    [WORKER_STARTING] = "starting",
    [WORKER_UP] = "up",
    [WORKER_STOPPING] = "stopping",
    [WORKER_BACKOFF] = "backoff",
    [WORKER_HELD] = "held",
    [WORKER_STOPPED] = "stopped",
};

static const char *const event_names[WORKER_EVENT_COUNT] = {
    [WORKER_EVENT_RESCAN_ACTIVE] = "rescan-active",
    [WORKER_EVENT_STOP] = "stop",
    [WORKER_EVENT_TOKEN_CHANGED] = "token-changed",
    [WORKER_EVENT_READY] = "ready",
    [WORKER_EVENT_EXIT_STOPPED] = "exit-stopped",
    [WORKER_EVENT_EXIT_INACTIVE] = "exit-inactive",
    [WORKER_EVENT_EXIT_HOLD] = "exit-hold",
    [WORKER_EVENT_EXIT_CRASH] = "exit-crash",
    [WORKER_EVENT_SPAWN_FAILED] = "spawn-failed",
    [WORKER_EVENT_TIMER] = "timer",
};

static const char *const action_names[WORKER_ACTION_COUNT] = {
    [WORKER_ACTION_NONE] = "none",
    [WORKER_ACTION_SPAWN] = "spawn",
    [WORKER_ACTION_SPAWN_FRESH] = "spawn-fresh",
    [WORKER_ACTION_TERMINATE] = "terminate",
    [WORKER_ACTION_KILL] = "kill",
    [WORKER_ACTION_SCHEDULE_RESTART] = "schedule-restart",
    [WORKER_ACTION_RECHECK_RESTART] = "recheck-restart",
    [WORKER_ACTION_HOLD] = "hold",
    [WORKER_ACTION_RELEASE] = "release",
};

_Static_assert(ARRAY_SIZE(kind_names) == WORKER_KIND_COUNT, "name every worker kind");
_Static_assert(ARRAY_SIZE(state_names) == WORKER_STATE_COUNT, "name every worker state");
_Static_assert(ARRAY_SIZE(event_names) == WORKER_EVENT_COUNT, "name every worker event");
_Static_assert(ARRAY_SIZE(action_names) == WORKER_ACTION_COUNT, "name every worker action");

const char *worker_kind_name(enum worker_kind kind)
{
    if (kind < 0 || kind >= WORKER_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

const char *worker_state_name(enum worker_state state)
{
    if (state < 0 || state >= WORKER_STATE_COUNT)
        return "unknown";
    return state_names[state];
}

const char *worker_event_name(enum worker_event event)
{
    if (event < 0 || event >= WORKER_EVENT_COUNT)
        return "unknown";
    return event_names[event];
}

const char *worker_action_name(enum worker_action action)
{
    if (action < 0 || action >= WORKER_ACTION_COUNT)
        return "unknown";
    return action_names[action];
}

bool worker_state_has_process(enum worker_state state)
{
    return state == WORKER_STARTING || state == WORKER_UP || state == WORKER_STOPPING;
}
