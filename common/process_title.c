#include "process_title.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* The original argv and environment strings, overwritten by each title:
 * area_size bytes from area, the last of which stays NUL. */
struct title_area {
    char *start;
    size_t size;
    char **environment_copy;
    char **argv_copy;
};

static struct title_area title_area;

/* Find the end of the contiguous strings starting at argv[0]: the kernel
 * lays out argv and then the environment back to back, but a string that
 * was replaced before main ends the usable area. */
static char *find_area_end(int argc, char **argv)
{
    char *end = argv[0] + strlen(argv[0]);

    for (int i = 1; i < argc; i++) {
        if (argv[i] != end + 1)
            return end;
        end = argv[i] + strlen(argv[i]);
    }
    for (int i = 0; environ[i] != NULL; i++) {
        if (environ[i] != end + 1)
            return end;
        end = environ[i] + strlen(environ[i]);
    }
    return end;
}

static char **copy_strings(char *const *strings, size_t count)
{
    char **copy = calloc(count + 1, sizeof(*copy));

    if (copy == NULL)
        return NULL;

    for (size_t i = 0; i < count; i++) {
        copy[i] = strdup(strings[i]);
        if (copy[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return NULL;
        }
    }
    return copy;
}

static size_t count_strings(char *const *strings)
{
    size_t count = 0;

    while (strings[count] != NULL)
        count++;
    return count;
}

char **process_title_init(int argc, char **argv)
{
    if (argc < 1 || argv == NULL || argv[0] == NULL)
        return NULL;

    char *end = find_area_end(argc, argv);
    char **environment_copy = copy_strings(environ, count_strings(environ));
    char **argv_copy = copy_strings(argv, (size_t)argc);

    if (environment_copy == NULL || argv_copy == NULL) {
        free(environment_copy);
        free(argv_copy);
        return NULL;
    }

    environ = environment_copy;
    program_invocation_name = argv_copy[0];
    char *slash = strrchr(argv_copy[0], '/');
    program_invocation_short_name = slash != NULL ? slash + 1 : argv_copy[0];

    title_area.start = argv[0];
    title_area.size = (size_t)(end - argv[0]) + 1;
    title_area.environment_copy = environment_copy;
    title_area.argv_copy = argv_copy;
    return argv_copy;
}

size_t process_title_capacity(void)
{
    return title_area.size > 0 ? title_area.size - 1 : 0;
}

void process_title_set(const char *format, ...)
{
    char title[512];
    va_list args;

    if (title_area.size < 2)
        return;

    va_start(args, format);
    int length = vsnprintf(title, sizeof(title), format, args);
    va_end(args);
    if (length < 0)
        return;

    size_t used = (size_t)length < sizeof(title) ? (size_t)length : sizeof(title) - 1;
    if (used > title_area.size - 1)
        used = title_area.size - 1;

    /* Zero the rest, so no byte of the old environment stays readable
     * through /proc/<pid>/cmdline once the title spills past argv. */
    memcpy(title_area.start, title, used);
    memset(title_area.start + used, 0, title_area.size - used);
}
