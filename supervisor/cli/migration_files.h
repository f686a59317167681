/*
 * migration_files: the numbered migration scripts on disk.
 *
 * Contract: migration_files_load() lists NNNN_name.up.sql files in the
 * migrations directory, checks each has its .down.sql and that no version
 * repeats, and returns them sorted by version. The directory is
 * TENANTMATE_MIGRATIONS_DIR when set, otherwise the first that exists of
 * <bindir>/../share/tenantmate/migrations (installed) and the source
 * tree's sql/migrations seen from build/bin or build/check/bin. Errors are
 * logged; the list is freed with migration_files_free().
 */
#ifndef TENANTMATE_MIGRATION_FILES_H
#define TENANTMATE_MIGRATION_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct migration_file {
    int version;
    char name[128];          /* "0001_teslamate_schema" */
};

struct migration_files {
    char directory[4096];
    struct migration_file *files;
    size_t count;
};

bool migration_files_load(struct migration_files *migrations);
void migration_files_free(struct migration_files *migrations);

/* Read "<directory>/<name>.<direction>.sql" into a malloc'd, NUL-terminated
 * buffer; direction is "up" or "down". */
char *migration_read_script(const struct migration_files *migrations,
                            const struct migration_file *file, const char *direction,
                            size_t *length);

#endif
