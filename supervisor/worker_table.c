#include "worker_table.h"

#include "worker.h"

#include <stdlib.h>
#include <string.h>

void worker_table_init(struct worker_table *table)
{
    memset(table, 0, sizeof(*table));
}

void worker_table_free(struct worker_table *table)
{
    free(table->items);
    memset(table, 0, sizeof(*table));
}

/* The index of the tenant, or of where it would be inserted. */
static size_t lower_bound(const struct worker_table *table, const char *tenant_id)
{
    size_t low = 0, high = table->count;

    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (strcmp(table->items[middle]->tenant_id, tenant_id) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

struct worker *worker_table_find(const struct worker_table *table, const char *tenant_id)
{
    size_t index = lower_bound(table, tenant_id);

    if (index < table->count && strcmp(table->items[index]->tenant_id, tenant_id) == 0)
        return table->items[index];
    return NULL;
}

static bool grow(struct worker_table *table)
{
    size_t capacity = table->capacity > 0 ? table->capacity * 2 : 16;
    struct worker **items = realloc(table->items, capacity * sizeof(*items));

    if (items == NULL)
        return false;
    table->items = items;
    table->capacity = capacity;
    return true;
}

bool worker_table_insert(struct worker_table *table, struct worker *worker)
{
    size_t index = lower_bound(table, worker->tenant_id);

    if (index < table->count && strcmp(table->items[index]->tenant_id, worker->tenant_id) == 0)
        return false;
    if (table->count == table->capacity && !grow(table))
        return false;

    memmove(&table->items[index + 1], &table->items[index],
            (table->count - index) * sizeof(*table->items));
    table->items[index] = worker;
    table->count++;
    return true;
}

void worker_table_remove(struct worker_table *table, const struct worker *worker)
{
    size_t index = lower_bound(table, worker->tenant_id);

    if (index >= table->count || table->items[index] != worker)
        return;
    memmove(&table->items[index], &table->items[index + 1],
            (table->count - index - 1) * sizeof(*table->items));
    table->count--;
}
