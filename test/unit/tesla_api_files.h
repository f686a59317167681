/*
 * tesla_api_files: reads the recorded Tesla API responses in place from the
 * shared data folder, for unit tests.
 *
 * The folder is $TENANTMATE_SHARED/data/tesla-api when that variable is
 * set, else ../shared/data/tesla-api relative to the working directory,
 * which is right when a test runs from the repository root (as
 * test/run-tests does). A missing file fails the calling test.
 */
#ifndef TENANTMATE_TEST_TESLA_API_FILES_H
#define TENANTMATE_TEST_TESLA_API_FILES_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define TESLA_API_PATH_MAX 1024

static inline void tesla_api_dir(char *path, size_t size)
{
    const char *shared = getenv("TENANTMATE_SHARED");
    int written;

    if (shared == NULL || shared[0] == '\0')
        shared = "../shared";
    written = snprintf(path, size, "%s/data/tesla-api", shared);
    if (written < 0 || (size_t)written >= size)
        fail_msg("TENANTMATE_SHARED is longer than %zu bytes", size);
}

static inline void tesla_api_path(const char *name, char *path, size_t size)
{
    char dir[TESLA_API_PATH_MAX];
    int written;

    tesla_api_dir(dir, sizeof(dir));
    written = snprintf(path, size, "%s/%s", dir, name);
    if (written < 0 || (size_t)written >= size)
        fail_msg("path of %s is longer than %zu bytes", name, size);
}

/* Returns the malloc'd contents of a data file (NUL-terminated for
 * convenience; *length excludes the NUL). */
static inline char *tesla_api_read(const char *name, size_t *length)
{
    char path[TESLA_API_PATH_MAX];
    char *text = NULL;
    long size;
    FILE *file;

    tesla_api_path(name, path, sizeof(path));
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s: %s; run from the repository root or set TENANTMATE_SHARED "
                 "to the shared folder", path, strerror(errno));
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 &&
        fseek(file, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text != NULL && fread(text, 1, (size_t)size, file) == (size_t)size) {
            text[size] = '\0';
            *length = (size_t)size;
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(file);
    if (text == NULL)
        fail_msg("cannot read %s", path);
    return text;
}

#endif
