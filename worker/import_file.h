/*
 * import_file: which TeslaFi export files an import reads, in which order,
 * and their identity.
 *
 * Contract: an argument may name a file or a directory. A directory
 * contributes the regular files whose names follow TeslaFi's monthly
 * pattern ("MMYYYY.csv", "TeslaFiMMYYYY.csv", "TeslaFiMYYYY.csv") and
 * ignores everything else; a file named on its own must follow the pattern
 * too, because its name gives its month. Files are ordered by (year,
 * month), then by path, and a path given twice is listed once. The month
 * is not range-checked and the year may have leading zeros
 * ("TeslaFi110017.csv" is year 17), as in TeslaMate.
 *
 * A file's identity is its base name and the SHA-256 of its content, so
 * changing one byte makes it a different file. import_file_load() reads
 * the whole file into memory (a monthly export is a few tens of MB at
 * most). Nothing here logs; failures fill a message naming the path.
 */
#ifndef TENANTMATE_IMPORT_FILE_H
#define TENANTMATE_IMPORT_FILE_H

#include <stdbool.h>
#include <stddef.h>

#define IMPORT_FINGERPRINT_SIZE 65      /* 64 hex digits and a NUL */
#define IMPORT_MESSAGE_SIZE 512

struct import_file {
    char *path;
    const char *name;               /* the base name, inside path */
    int year;
    int month;
};

struct import_file_list {
    struct import_file *files;
    size_t count;
};

/* Lists and orders the files of the arguments. Returns false with a
 * message for a missing or unreadable path, a file whose name gives no
 * month, or when no file is found at all. */
bool import_file_list_build(char *const *arguments, size_t argument_count,
                            struct import_file_list *list, char *message, size_t message_size);
void import_file_list_free(struct import_file_list *list);

struct import_file_data {
    char *bytes;
    size_t size;
    char fingerprint[IMPORT_FINGERPRINT_SIZE];
};

/* Reads the file and computes its fingerprint. Returns false with a
 * message naming the path and the system error. */
bool import_file_load(const struct import_file *file, struct import_file_data *data,
                      char *message, size_t message_size);
void import_file_data_free(struct import_file_data *data);

/* The SHA-256 of a buffer as 64 lower-case hex digits. */
void import_fingerprint(const void *bytes, size_t size, char out[IMPORT_FINGERPRINT_SIZE]);

/* The source key of a run: the SHA-256 of the arguments' canonical
 * absolute paths, sorted and one per line, so the same arguments in any
 * order give the same key and a directory keeps its key when files are
 * added to it. Returns false with a message when a path cannot be
 * resolved. */
bool import_source_key(char *const *arguments, size_t argument_count,
                       char out[IMPORT_FINGERPRINT_SIZE], char *message, size_t message_size);

#endif
