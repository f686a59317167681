/* One imported file's rows, collected from state machine effects. */
#include "import_batch.h"

#include <stdlib.h>
#include <string.h>

void import_batch_init(struct import_batch *batch)
{
    memset(batch, 0, sizeof(*batch));
    batch->open_drive = IMPORT_NO_REF;
    batch->open_charging_process = IMPORT_NO_REF;
}

void import_batch_free(struct import_batch *batch)
{
    free(batch->states);
    free(batch->drives);
    free(batch->positions);
    free(batch->charging_processes);
    free(batch->charges);
    free(batch->updates);
    import_batch_init(batch);
}

/* Returns a zeroed new element of a growable array, or NULL after marking
 * the batch out of memory. */
static void *append(struct import_batch *batch, void **items, size_t *count, size_t *capacity,
                    size_t size)
{
    if (batch->out_of_memory)
        return NULL;
    if (*count == *capacity) {
        size_t grown = *capacity == 0 ? 64 : *capacity * 2;
        void *larger = realloc(*items, grown * size);

        if (larger == NULL) {
            batch->out_of_memory = true;
            return NULL;
        }
        *items = larger;
        *capacity = grown;
    }

    char *item = (char *)*items + *count * size;
    memset(item, 0, size);
    (*count)++;
    return item;
}

#define APPEND(batch, items, element)                                                      \
    append((batch), (void **)&(batch)->items, &(batch)->element##_count,                 \
           &(batch)->element##_capacity, sizeof(*(batch)->items))

bool import_batch_last_state(const struct import_batch *batch, enum fsm_recorded_state *state,
                             int64_t *start_ms)
{
    if (batch->state_count > 0) {
        *state = batch->states[batch->state_count - 1].state;
        *start_ms = batch->states[batch->state_count - 1].start_ms;
        return true;
    }
    if (!batch->current.known)
        return false;
    *state = batch->current.state;
    *start_ms = batch->current.start_ms;
    return true;
}

/* A request for the state already in progress writes nothing, as the
 * recorder keeps an open row of the same state. */
static void start_state(struct import_batch *batch, const struct fsm_effect *effect)
{
    enum fsm_recorded_state last;
    int64_t last_start_ms;
    struct import_state *state;

    if (import_batch_last_state(batch, &last, &last_start_ms) &&
        last == effect->start_state.state)
        return;
    if ((state = APPEND(batch, states, state)) == NULL)
        return;
    state->state = effect->start_state.state;
    state->start_ms = effect->start_state.date_ms;
}

static void insert_position(struct import_batch *batch, const struct fsm_effect *effect)
{
    struct import_position *position = APPEND(batch, positions, position);

    if (position == NULL)
        return;
    position->drive = effect->insert_position.in_drive ? batch->open_drive : IMPORT_NO_REF;
    position->position = effect->insert_position.position;
}

static void start_drive(struct import_batch *batch, const struct fsm_effect *effect)
{
    struct import_drive *drive = APPEND(batch, drives, drive);

    if (drive == NULL)
        return;
    drive->start_ms = effect->start_drive.date_ms;
    batch->open_drive = batch->drive_count - 1;
}

static void close_drive(struct import_batch *batch)
{
    if (batch->open_drive == IMPORT_NO_REF)
        return;
    batch->drives[batch->open_drive].closed = true;
    batch->open_drive = IMPORT_NO_REF;
}

static void start_charging_process(struct import_batch *batch, const struct fsm_effect *effect)
{
    struct import_charging_process *process = APPEND(batch, charging_processes, charging_process);

    if (process == NULL)
        return;
    process->start_ms = effect->start_charging_process.date_ms;
    process->position = effect->start_charging_process.position;
    batch->open_charging_process = batch->charging_process_count - 1;
}

static void insert_charge(struct import_batch *batch, const struct fsm_effect *effect)
{
    struct import_charge *charge;

    if (batch->open_charging_process == IMPORT_NO_REF)
        return;
    if ((charge = APPEND(batch, charges, charge)) == NULL)
        return;
    charge->charging_process = batch->open_charging_process;
    charge->charge = effect->insert_charge.charge;
}

static void complete_charging_process(struct import_batch *batch, const struct fsm_effect *effect)
{
    struct import_charging_process *process;

    if (batch->open_charging_process == IMPORT_NO_REF)
        return;
    process = &batch->charging_processes[batch->open_charging_process];
    process->completed = true;
    process->end_ms = effect->complete_charging_process.end_date_ms;
    batch->open_charging_process = IMPORT_NO_REF;
}

static void insert_missed_update(struct import_batch *batch, const struct fsm_effect *effect)
{
    struct import_update *update = APPEND(batch, updates, update);

    if (update == NULL)
        return;
    memcpy(update->version, effect->missed_update.version, sizeof(update->version));
    update->date_ms = effect->missed_update.date_ms;
}

static void update_car(struct import_batch *batch, const struct fsm_effect *effect)
{
    batch->car.known = true;
    memcpy(batch->car.name, effect->update_car.name, sizeof(batch->car.name));
    batch->car.identified = effect->update_car.identified;
    batch->car.identity = effect->update_car.identity;
}

static void apply_effect(struct import_batch *batch, const struct fsm_effect *effect)
{
    switch (effect->type) {
    case FSM_EFFECT_START_STATE:
        start_state(batch, effect);
        break;
    case FSM_EFFECT_UPDATE_CAR:
        update_car(batch, effect);
        break;
    case FSM_EFFECT_INSERT_MISSED_UPDATE:
        insert_missed_update(batch, effect);
        break;
    case FSM_EFFECT_INSERT_POSITION:
        insert_position(batch, effect);
        break;
    case FSM_EFFECT_START_DRIVE:
        start_drive(batch, effect);
        break;
    case FSM_EFFECT_CLOSE_DRIVE:
        close_drive(batch);
        break;
    case FSM_EFFECT_START_CHARGING_PROCESS:
        start_charging_process(batch, effect);
        break;
    case FSM_EFFECT_INSERT_CHARGE:
        insert_charge(batch, effect);
        break;
    case FSM_EFFECT_COMPLETE_CHARGING_PROCESS:
        complete_charging_process(batch, effect);
        break;
    case FSM_EFFECT_START_UPDATE:
    case FSM_EFFECT_FINISH_UPDATE:
    case FSM_EFFECT_CANCEL_UPDATE:
        batch->unsupported_effects++;
        break;
    case FSM_EFFECT_NOTICE:
        if (effect->notice.code == FSM_NOTICE_POSITION_WITHOUT_LOCATION)
            batch->positions_without_location++;
        break;
    default:
        break;  /* summaries, vehicle list restarts and rate limits do not apply */
    }
}

void import_batch_apply(struct import_batch *batch, const struct fsm_output *output)
{
    if (output->effects_overflow)
        batch->effects_overflow = true;
    for (size_t i = 0; i < output->effect_count; i++)
        apply_effect(batch, &output->effects[i]);
}

/* Moves element `from` to the front of its array as the only element. */
static void keep_only(void *items, size_t *count, size_t from, size_t size)
{
    if (from != 0)
        memmove(items, (char *)items + from * size, size);
    *count = 1;
}

void import_batch_next_file(struct import_batch *batch)
{
    enum fsm_recorded_state state;
    int64_t start_ms;

    if (batch->state_count > 0 && import_batch_last_state(batch, &state, &start_ms)) {
        batch->current.known = true;
        batch->current.state = state;
        batch->current.start_ms = start_ms;
        /* current.state_id was set by the writer to the last row it wrote. */
    }
    batch->state_count = 0;

    if (batch->open_drive != IMPORT_NO_REF) {
        keep_only(batch->drives, &batch->drive_count, batch->open_drive, sizeof(*batch->drives));
        batch->drives[0].continued = true;
        batch->open_drive = 0;
    } else {
        batch->drive_count = 0;
    }

    if (batch->open_charging_process != IMPORT_NO_REF) {
        keep_only(batch->charging_processes, &batch->charging_process_count,
                  batch->open_charging_process, sizeof(*batch->charging_processes));
        batch->charging_processes[0].continued = true;
        batch->open_charging_process = 0;
    } else {
        batch->charging_process_count = 0;
    }

    batch->position_count = 0;
    batch->charge_count = 0;
    batch->update_count = 0;
    memset(&batch->car, 0, sizeof(batch->car));
}
