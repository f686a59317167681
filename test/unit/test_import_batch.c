/*
 * Unit tests of the import batch: how state machine effects become one
 * file's rows, and what carries over to the next file. Also the array
 * literals the rows are sent in.
 */
#include "import_test_support.h"

#include "import_batch.h"
#include "import_sql.h"

static struct fsm_output *output_new(void)
{
    struct fsm_output *output = calloc(1, sizeof(*output));

    assert_non_null(output);
    return output;
}

static struct fsm_effect *add(struct fsm_output *output, enum fsm_effect_type type)
{
    struct fsm_effect *effect = &output->effects[output->effect_count++];

    memset(effect, 0, sizeof(*effect));
    effect->type = type;
    return effect;
}

static void add_state(struct fsm_output *output, enum fsm_recorded_state state, int64_t date_ms)
{
    struct fsm_effect *effect = add(output, FSM_EFFECT_START_STATE);

    effect->start_state.state = state;
    effect->start_state.date_ms = date_ms;
}

static void add_position(struct fsm_output *output, bool in_drive, int64_t date_ms)
{
    struct fsm_effect *effect = add(output, FSM_EFFECT_INSERT_POSITION);

    effect->insert_position.in_drive = in_drive;
    effect->insert_position.position.date_ms = date_ms;
    effect->insert_position.position.location_known = true;
}

static void same_state_twice_is_one_row(void **state)
{
    (void)state;
    struct import_batch batch;
    struct fsm_output *output = output_new();

    import_batch_init(&batch);
    add_state(output, FSM_RECORDED_ONLINE, 1000);
    add_state(output, FSM_RECORDED_ONLINE, 2000);
    add_state(output, FSM_RECORDED_ASLEEP, 3000);
    import_batch_apply(&batch, output);

    assert_int_equal(batch.state_count, 2);
    assert_int_equal(batch.states[0].start_ms, 1000);
    assert_int_equal(batch.states[1].state, FSM_RECORDED_ASLEEP);

    /* The next file continues from asleep: asleep again adds nothing. */
    batch.current.state_id = 7;
    import_batch_next_file(&batch);
    assert_int_equal(batch.state_count, 0);
    assert_true(batch.current.known);
    assert_int_equal(batch.current.state, FSM_RECORDED_ASLEEP);
    assert_int_equal(batch.current.start_ms, 3000);
    assert_int_equal(batch.current.state_id, 7);
    output->effect_count = 0;
    add_state(output, FSM_RECORDED_ASLEEP, 4000);
    import_batch_apply(&batch, output);
    assert_int_equal(batch.state_count, 0);

    import_batch_free(&batch);
    free(output);
}

static void drive_carries_over_to_next_file(void **state)
{
    (void)state;
    struct import_batch batch;
    struct fsm_output *output = output_new();

    import_batch_init(&batch);
    add_position(output, false, 500);
    add(output, FSM_EFFECT_START_DRIVE)->start_drive.date_ms = 1000;
    add_position(output, true, 1000);
    add_position(output, true, 1100);
    import_batch_apply(&batch, output);

    assert_int_equal(batch.drive_count, 1);
    assert_int_equal(batch.position_count, 3);
    assert_int_equal(batch.positions[0].drive, IMPORT_NO_REF);
    assert_int_equal(batch.positions[1].drive, 0);
    assert_int_equal(batch.open_drive, 0);

    batch.drives[0].drive_id = 99;      /* as the writer sets it */
    import_batch_next_file(&batch);
    assert_int_equal(batch.drive_count, 1);
    assert_true(batch.drives[0].continued);
    assert_int_equal(batch.drives[0].drive_id, 99);
    assert_int_equal(batch.position_count, 0);

    output->effect_count = 0;
    add_position(output, true, 1200);
    add(output, FSM_EFFECT_CLOSE_DRIVE);
    add(output, FSM_EFFECT_START_DRIVE)->start_drive.date_ms = 5000;
    add_position(output, true, 5000);
    import_batch_apply(&batch, output);
    assert_int_equal(batch.drive_count, 2);
    assert_true(batch.drives[0].closed);
    assert_int_equal(batch.positions[0].drive, 0);
    assert_int_equal(batch.positions[1].drive, 1);
    assert_int_equal(batch.open_drive, 1);

    import_batch_free(&batch);
    free(output);
}

static void charges_go_to_open_process(void **state)
{
    (void)state;
    struct import_batch batch;
    struct fsm_output *output = output_new();
    struct fsm_effect *effect;

    import_batch_init(&batch);
    add(output, FSM_EFFECT_INSERT_CHARGE);      /* no process open: ignored */
    add(output, FSM_EFFECT_START_CHARGING_PROCESS)->start_charging_process.date_ms = 100;
    add(output, FSM_EFFECT_INSERT_CHARGE)->insert_charge.charge.date_ms = 100;
    add(output, FSM_EFFECT_INSERT_CHARGE)->insert_charge.charge.date_ms = 200;
    effect = add(output, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    effect->complete_charging_process.end_date_ms = 200;
    add(output, FSM_EFFECT_START_UPDATE);
    effect = add(output, FSM_EFFECT_INSERT_MISSED_UPDATE);
    snprintf(effect->missed_update.version, sizeof(effect->missed_update.version), "2020.4.1");
    import_batch_apply(&batch, output);

    assert_int_equal(batch.charging_process_count, 1);
    assert_int_equal(batch.charge_count, 2);
    assert_true(batch.charging_processes[0].completed);
    assert_int_equal(batch.charging_processes[0].end_ms, 200);
    assert_int_equal(batch.open_charging_process, IMPORT_NO_REF);
    assert_int_equal(batch.unsupported_effects, 1);
    assert_int_equal(batch.update_count, 1);
    assert_string_equal(batch.updates[0].version, "2020.4.1");

    import_batch_next_file(&batch);
    assert_int_equal(batch.charging_process_count, 0);
    assert_int_equal(batch.update_count, 0);
    import_batch_free(&batch);
    free(output);
}

static void array_literals(void **state)
{
    (void)state;
    struct sql_rows rows;
    const char *first[] = {"1", "a \"quoted\" \\ text"};
    const char *second[] = {NULL, "2016-06-26 14:59:31.000000"};

    sql_rows_init(&rows, 2);
    assert_string_equal(sql_rows_column(&rows, 0), "{}");
    sql_rows_add(&rows, first);
    sql_rows_add(&rows, second);
    assert_int_equal(rows.row_count, 2);
    assert_string_equal(sql_rows_column(&rows, 0), "{\"1\",NULL}");
    assert_string_equal(sql_rows_column(&rows, 1),
                        "{\"a \\\"quoted\\\" \\\\ text\",\"2016-06-26 14:59:31.000000\"}");
    sql_rows_free(&rows);
}

static void array_literals_grow(void **state)
{
    (void)state;
    struct sql_rows rows;
    const char *values[] = {"12345"};

    sql_rows_init(&rows, 1);
    for (int i = 0; i < 10000; i++)
        sql_rows_add(&rows, values);
    assert_false(rows.out_of_memory);
    assert_int_equal(strlen(sql_rows_column(&rows, 0)), 2 + 10000 * 8 - 1);
    sql_rows_free(&rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_state_twice_is_one_row),
        cmocka_unit_test(drive_carries_over_to_next_file),
        cmocka_unit_test(charges_go_to_open_process),
        cmocka_unit_test(array_literals),
        cmocka_unit_test(array_literals_grow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
