/*
 * worker_table: the supervisor's tenants, each with its worker entry,
 * sorted by tenant id.
 *
 * Contract: a plain container. It stores pointers it does not own (the
 * caller creates and frees the entries) and never calls back. Lookup is a
 * binary search; insert and remove move the pointers after the position,
 * so callers that remove while iterating walk the table from the end.
 */
#ifndef TENANTMATE_WORKER_TABLE_H
#define TENANTMATE_WORKER_TABLE_H

#include <stdbool.h>
#include <stddef.h>

struct worker;

struct worker_table {
    struct worker **items;
    size_t count;
    size_t capacity;
};

void worker_table_init(struct worker_table *table);
void worker_table_free(struct worker_table *table);

struct worker *worker_table_find(const struct worker_table *table, const char *tenant_id);

/* Returns false when out of memory or the tenant is already present. */
bool worker_table_insert(struct worker_table *table, struct worker *worker);
void worker_table_remove(struct worker_table *table, const struct worker *worker);

#endif
