#include "migration_files.h"

#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_directory(const char *path)
{
    struct stat status;

    return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

static bool find_directory(char *out, size_t size)
{
    const char *configured = getenv("TENANTMATE_MIGRATIONS_DIR");
    char executable[PATH_MAX];

    if (configured != NULL && *configured != '\0') {
        if (!is_directory(configured)) {
            log_error("TENANTMATE_MIGRATIONS_DIR \"%s\" is not a directory", configured);
            return false;
        }
        snprintf(out, size, "%s", configured);
        return true;
    }

    ssize_t length = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
    if (length < 0) {
        log_error("cannot find the executable's directory: %s; set TENANTMATE_MIGRATIONS_DIR",
                  strerror(errno));
        return false;
    }
    executable[length] = '\0';

    const char *bindir = dirname(executable);
    static const char *const candidates[] = {
        "/../share/tenantmate/migrations",
        "/../../sql/migrations",
        "/../../../sql/migrations",
    };
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        snprintf(out, size, "%s%s", bindir, candidates[i]);
        if (is_directory(out))
            return true;
    }

    log_error("no migrations directory found next to %s; set TENANTMATE_MIGRATIONS_DIR", bindir);
    return false;
}

/* "0001_name.up.sql" -> version 1, name "0001_name"; false for other files. */
static bool parse_up_name(const char *entry, struct migration_file *file)
{
    size_t length = strlen(entry);
    const char *suffix = ".up.sql";
    size_t suffix_length = strlen(suffix);

    if (length <= 5 + suffix_length || strcmp(entry + length - suffix_length, suffix) != 0)
        return false;
    for (int i = 0; i < 4; i++) {
        if (entry[i] < '0' || entry[i] > '9')
            return false;
    }
    if (entry[4] != '_' || length - suffix_length >= sizeof(file->name))
        return false;

    file->version = atoi(entry);
    snprintf(file->name, sizeof(file->name), "%.*s", (int)(length - suffix_length), entry);
    return true;
}

static int compare_versions(const void *left, const void *right)
{
    const struct migration_file *a = left;
    const struct migration_file *b = right;

    return (a->version > b->version) - (a->version < b->version);
}

static bool append_file(struct migration_files *migrations, const struct migration_file *file)
{
    struct migration_file *grown =
        realloc(migrations->files, (migrations->count + 1) * sizeof(*grown));

    if (grown == NULL) {
        log_error("out of memory listing migrations");
        return false;
    }
    migrations->files = grown;
    migrations->files[migrations->count++] = *file;
    return true;
}

static bool check_files(const struct migration_files *migrations)
{
    char path[4352];

    for (size_t i = 0; i < migrations->count; i++) {
        const struct migration_file *file = &migrations->files[i];

        snprintf(path, sizeof(path), "%s/%s.down.sql", migrations->directory, file->name);
        if (access(path, R_OK) != 0) {
            log_error("migration %s has no down script %s", file->name, path);
            return false;
        }
        if (i > 0 && migrations->files[i - 1].version == file->version) {
            log_error("migrations %s and %s share version %d", migrations->files[i - 1].name,
                      file->name, file->version);
            return false;
        }
    }
    return true;
}

bool migration_files_load(struct migration_files *migrations)
{
    memset(migrations, 0, sizeof(*migrations));
    if (!find_directory(migrations->directory, sizeof(migrations->directory)))
        return false;

    DIR *directory = opendir(migrations->directory);
    if (directory == NULL) {
        log_error("cannot read migrations directory %s: %s", migrations->directory,
                  strerror(errno));
        return false;
    }

    bool ok = true;
    struct dirent *entry;
    while (ok && (entry = readdir(directory)) != NULL) {
        struct migration_file file;

        if (parse_up_name(entry->d_name, &file))
            ok = append_file(migrations, &file);
    }
    closedir(directory);

    if (ok) {
        qsort(migrations->files, migrations->count, sizeof(migrations->files[0]),
              compare_versions);
        ok = check_files(migrations);
    }
    if (!ok)
        migration_files_free(migrations);
    return ok;
}

void migration_files_free(struct migration_files *migrations)
{
    free(migrations->files);
    migrations->files = NULL;
    migrations->count = 0;
}

char *migration_read_script(const struct migration_files *migrations,
                            const struct migration_file *file, const char *direction,
                            size_t *length)
{
    char path[4352];

    snprintf(path, sizeof(path), "%s/%s.%s.sql", migrations->directory, file->name, direction);
    FILE *stream = fopen(path, "rb");
    if (stream == NULL) {
        log_error("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }

    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream(&text, &size);
    char buffer[8192];
    size_t count;
    while (memory != NULL && (count = fread(buffer, 1, sizeof(buffer), stream)) > 0)
        fwrite(buffer, 1, count, memory);

    bool failed = ferror(stream) || memory == NULL;
    fclose(stream);
    if (memory != NULL)
        fclose(memory);
    if (failed) {
        log_error("cannot read %s", path);
        free(text);
        return NULL;
    }

    *length = size;
    return text;
}
