/*
 * process_title: the process title that ps and /proc/<pid>/cmdline show.
 *
 * Linux has no setproctitle(), so, like PostgreSQL and nginx, this module
 * overwrites the memory that held the original argv and environment
 * strings. process_title_init() must be the first call in main, before
 * anything keeps a pointer into argv or the environment: it moves the
 * environment strings to the heap (updating environ) and returns a heap
 * copy of argv for the caller to use instead of the original. Titles are
 * cut to the size of the original area (argv plus environment strings)
 * and the rest of the area is zeroed, so /proc/<pid>/cmdline and
 * /proc/<pid>/environ no longer show the environment the process started
 * with. The copies live until exit. Not thread-safe, not
 * async-signal-safe.
 */
#ifndef TENANTMATE_PROCESS_TITLE_H
#define TENANTMATE_PROCESS_TITLE_H

#include <stddef.h>

/* Returns the copied argv (NULL-terminated), or NULL when out of memory,
 * in which case titles stay disabled and the original argv is untouched. */
char **process_title_init(int argc, char **argv);

void process_title_set(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* The maximum title length that fits, in bytes without the NUL; 0 before init. */
size_t process_title_capacity(void);

#endif
