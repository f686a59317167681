/* Unit tests for the supervisor's worker lifecycle table (worker_fsm). The
 * supervisor's objects are not in the test libraries, so the pure module
 * is compiled into this test directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "../../supervisor/worker_fsm.c"

struct step_case {
    enum worker_state state;
    enum worker_event event;
    enum worker_state next;
    enum worker_action action;
};

static void test_lifecycle_transitions(void **state)
{
    (void)state;
    static const struct step_case cases[] = {
        {WORKER_DOWN, WORKER_EVENT_RESCAN_ACTIVE, WORKER_STARTING, WORKER_ACTION_SPAWN},
        {WORKER_DOWN, WORKER_EVENT_STOP, WORKER_STOPPED, WORKER_ACTION_RELEASE},
        {WORKER_STARTING, WORKER_EVENT_READY, WORKER_UP, WORKER_ACTION_NONE},
        {WORKER_STARTING, WORKER_EVENT_SPAWN_FAILED, WORKER_BACKOFF,
         WORKER_ACTION_SCHEDULE_RESTART},
        {WORKER_STARTING, WORKER_EVENT_EXIT_CRASH, WORKER_BACKOFF,
         WORKER_ACTION_SCHEDULE_RESTART},
        {WORKER_UP, WORKER_EVENT_RESCAN_ACTIVE, WORKER_UP, WORKER_ACTION_NONE},
        {WORKER_UP, WORKER_EVENT_EXIT_CRASH, WORKER_BACKOFF, WORKER_ACTION_SCHEDULE_RESTART},
        {WORKER_UP, WORKER_EVENT_EXIT_STOPPED, WORKER_BACKOFF, WORKER_ACTION_SCHEDULE_RESTART},
        {WORKER_UP, WORKER_EVENT_EXIT_INACTIVE, WORKER_BACKOFF, WORKER_ACTION_RECHECK_RESTART},
        {WORKER_UP, WORKER_EVENT_EXIT_HOLD, WORKER_HELD, WORKER_ACTION_HOLD},
        {WORKER_UP, WORKER_EVENT_STOP, WORKER_STOPPING, WORKER_ACTION_TERMINATE},
        {WORKER_STOPPING, WORKER_EVENT_TIMER, WORKER_STOPPING, WORKER_ACTION_KILL},
        {WORKER_STOPPING, WORKER_EVENT_EXIT_STOPPED, WORKER_STOPPED, WORKER_ACTION_RELEASE},
        {WORKER_STOPPING, WORKER_EVENT_EXIT_CRASH, WORKER_STOPPED, WORKER_ACTION_RELEASE},
        {WORKER_BACKOFF, WORKER_EVENT_TIMER, WORKER_STARTING, WORKER_ACTION_SPAWN},
        {WORKER_BACKOFF, WORKER_EVENT_TOKEN_CHANGED, WORKER_STARTING,
         WORKER_ACTION_SPAWN_FRESH},
        {WORKER_BACKOFF, WORKER_EVENT_STOP, WORKER_STOPPED, WORKER_ACTION_RELEASE},
        {WORKER_HELD, WORKER_EVENT_TOKEN_CHANGED, WORKER_STARTING, WORKER_ACTION_SPAWN_FRESH},
        {WORKER_HELD, WORKER_EVENT_STOP, WORKER_STOPPED, WORKER_ACTION_RELEASE},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct worker_transition transition;

        assert_true(worker_fsm_step(cases[i].state, cases[i].event, &transition));
        assert_int_equal(transition.next, cases[i].next);
        assert_int_equal(transition.action, cases[i].action);
    }
}

static void test_ignored_events(void **state)
{
    (void)state;
    static const struct step_case cases[] = {
        {WORKER_HELD, WORKER_EVENT_RESCAN_ACTIVE, 0, 0},   /* held until new tokens */
        {WORKER_HELD, WORKER_EVENT_TIMER, 0, 0},
        {WORKER_BACKOFF, WORKER_EVENT_RESCAN_ACTIVE, 0, 0}, /* a burst forks nothing */
        {WORKER_UP, WORKER_EVENT_TOKEN_CHANGED, 0, 0},      /* the worker reloads itself */
        {WORKER_UP, WORKER_EVENT_READY, 0, 0},
        {WORKER_STOPPING, WORKER_EVENT_STOP, 0, 0},
        {WORKER_STOPPING, WORKER_EVENT_RESCAN_ACTIVE, 0, 0},
        {WORKER_STOPPED, WORKER_EVENT_RESCAN_ACTIVE, 0, 0},
        {WORKER_STOPPED, WORKER_EVENT_STOP, 0, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct worker_transition transition;

        assert_false(worker_fsm_step(cases[i].state, cases[i].event, &transition));
    }
}

/* Only a stop the supervisor asked for ends supervision; any exit of a
 * running worker keeps the entry (restart or hold). */
static void test_running_exits_never_release(void **state)
{
    (void)state;
    static const enum worker_event exits[] = {
        WORKER_EVENT_EXIT_STOPPED, WORKER_EVENT_EXIT_INACTIVE,
        WORKER_EVENT_EXIT_HOLD, WORKER_EVENT_EXIT_CRASH,
    };
    static const enum worker_state running[] = {WORKER_STARTING, WORKER_UP};

    for (size_t s = 0; s < 2; s++) {
        for (size_t e = 0; e < sizeof(exits) / sizeof(exits[0]); e++) {
            struct worker_transition transition;

            assert_true(worker_fsm_step(running[s], exits[e], &transition));
            assert_int_not_equal(transition.action, WORKER_ACTION_RELEASE);
            assert_false(worker_state_has_process(transition.next));
        }
    }
}

static void test_out_of_range_rejected(void **state)
{
    (void)state;
    struct worker_transition transition;

    assert_false(worker_fsm_step(WORKER_STATE_COUNT, WORKER_EVENT_STOP, &transition));
    assert_false(worker_fsm_step(WORKER_UP, WORKER_EVENT_COUNT, &transition));
    assert_string_equal(worker_state_name(WORKER_STATE_COUNT), "unknown");
    assert_string_equal(worker_event_name(WORKER_EVENT_COUNT), "unknown");
    assert_string_equal(worker_action_name(WORKER_ACTION_COUNT), "unknown");
}

static void test_names_match_status_table_states(void **state)
{
    (void)state;
    /* The names double as tenantmate_workers.state values (its CHECK). */
    static const char *const expected[WORKER_STATE_COUNT] = {
        "down", "starting", "up", "stopping", "backoff", "held", "stopped",
    };

    for (int i = 0; i < WORKER_STATE_COUNT; i++)
        assert_string_equal(worker_state_name((enum worker_state)i), expected[i]);
}

struct exit_case {
    enum worker_kind kind;
    int wait_status;
    enum worker_event event;
};

static void test_exit_events_by_kind(void **state)
{
    (void)state;
    static const struct exit_case cases[] = {
        {WORKER_KIND_TENANT, W_EXITCODE(0, 0), WORKER_EVENT_EXIT_STOPPED},
        {WORKER_KIND_TENANT, W_EXITCODE(40, 0), WORKER_EVENT_EXIT_INACTIVE},
        {WORKER_KIND_TENANT, W_EXITCODE(41, 0), WORKER_EVENT_EXIT_HOLD},
        {WORKER_KIND_TENANT, W_EXITCODE(42, 0), WORKER_EVENT_EXIT_HOLD},
        {WORKER_KIND_TENANT, W_EXITCODE(43, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_TENANT, W_EXITCODE(1, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_TENANT, W_EXITCODE(127, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_TENANT, W_EXITCODE(0, SIGKILL), WORKER_EVENT_EXIT_CRASH},
        /* The repair service is never held and never rechecks a tenant. */
        {WORKER_KIND_REPAIR, W_EXITCODE(0, 0), WORKER_EVENT_EXIT_STOPPED},
        {WORKER_KIND_REPAIR, W_EXITCODE(40, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_REPAIR, W_EXITCODE(41, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_REPAIR, W_EXITCODE(42, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_REPAIR, W_EXITCODE(43, 0), WORKER_EVENT_EXIT_CRASH},
        {WORKER_KIND_REPAIR, W_EXITCODE(0, SIGKILL), WORKER_EVENT_EXIT_CRASH},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum worker_event event = worker_fsm_exit_event(cases[i].kind, cases[i].wait_status);

        if (event != cases[i].event)
            fail_msg("%s with wait status 0x%x: expected %s, got %s",
                     worker_kind_name(cases[i].kind), (unsigned)cases[i].wait_status,
                     worker_event_name(cases[i].event), worker_event_name(event));
    }
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(worker_kind_name(WORKER_KIND_TENANT), "tenant");
    assert_string_equal(worker_kind_name(WORKER_KIND_REPAIR), "repair");
    assert_string_equal(worker_kind_name(WORKER_KIND_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_transitions),
        cmocka_unit_test(test_ignored_events),
        cmocka_unit_test(test_running_exits_never_release),
        cmocka_unit_test(test_out_of_range_rejected),
        cmocka_unit_test(test_names_match_status_table_states),
        cmocka_unit_test(test_exit_events_by_kind),
        cmocka_unit_test(test_kind_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
