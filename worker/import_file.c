/* Listing, ordering, reading and fingerprinting TeslaFi export files. */
#include "import_file.h"

#include "teslafi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void import_file_list_free(struct import_file_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->files[i].path);
    free(list->files);
    list->files = NULL;
    list->count = 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

static bool add_file(struct import_file_list *list, const char *path, int year, int month,
                     char *message, size_t message_size)
{
    struct import_file *grown = realloc(list->files, (list->count + 1) * sizeof(*grown));
    char *copy = strdup(path);

    if (grown != NULL)
        list->files = grown;
    if (grown == NULL || copy == NULL) {
        free(copy);
        snprintf(message, message_size, "out of memory while listing %s", path);
        return false;
    }

    struct import_file *file = &list->files[list->count++];
    file->path = copy;
    file->name = base_name(copy);
    file->year = year;
    file->month = month;
    return true;
}

static bool is_regular_file(const char *path)
{
    struct stat status;

    return stat(path, &status) == 0 && S_ISREG(status.st_mode);
}

static bool add_directory(struct import_file_list *list, const char *directory, char *message,
                          size_t message_size)
{
    DIR *stream = opendir(directory);
    struct dirent *entry;
    bool ok = true;

    if (stream == NULL) {
        snprintf(message, message_size, "cannot read directory %s: %s", directory,
                 strerror(errno));
        return false;
    }
    while (ok && (entry = readdir(stream)) != NULL) {
        char path[PATH_MAX];
        int year, month;

        if (!teslafi_file_name_date(entry->d_name, &year, &month))
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name) >=
            sizeof(path))
            continue;
        if (is_regular_file(path))
            ok = add_file(list, path, year, month, message, message_size);
    }
    closedir(stream);
    return ok;
}

static bool add_argument(struct import_file_list *list, const char *argument, char *message,
                         size_t message_size)
{
    struct stat status;
    int year, month;

    if (stat(argument, &status) != 0) {
        snprintf(message, message_size, "cannot read %s: %s", argument, strerror(errno));
        return false;
    }
    if (S_ISDIR(status.st_mode))
        return add_directory(list, argument, message, message_size);

    if (!teslafi_file_name_date(base_name(argument), &year, &month)) {
        snprintf(message, message_size,
                 "cannot tell the month of %s: name TeslaFi exports MMYYYY.csv, "
                 "TeslaFiMMYYYY.csv or TeslaFiMYYYY.csv (for example TeslaFi62016.csv)",
                 argument);
        return false;
    }
    return add_file(list, argument, year, month, message, message_size);
}

static int compare_files(const void *left, const void *right)
{
    const struct import_file *a = left, *b = right;

    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    return strcmp(a->path, b->path);
}

/* Drops the later copies of a path listed twice (the list is sorted, so
 * copies are neighbours). */
static void remove_duplicates(struct import_file_list *list)
{
    size_t kept = 0;

    for (size_t i = 0; i < list->count; i++) {
        if (kept > 0 && strcmp(list->files[kept - 1].path, list->files[i].path) == 0) {
            free(list->files[i].path);
            continue;
        }
        list->files[kept++] = list->files[i];
    }
    list->count = kept;
}

bool import_file_list_build(char *const *arguments, size_t argument_count,
                            struct import_file_list *list, char *message, size_t message_size)
{
    list->files = NULL;
    list->count = 0;

    for (size_t i = 0; i < argument_count; i++) {
        if (!add_argument(list, arguments[i], message, message_size)) {
            import_file_list_free(list);
            return false;
        }
    }
    if (list->count == 0) {
        snprintf(message, message_size,
                 "no TeslaFi export found: a directory contributes only files named "
                 "MMYYYY.csv, TeslaFiMMYYYY.csv or TeslaFiMYYYY.csv");
        return false;
    }

    qsort(list->files, list->count, sizeof(list->files[0]), compare_files);
    remove_duplicates(list);
    return true;
}

/* ---- content ------------------------------------------------------------ */

void import_fingerprint(const void *bytes, size_t size, char out[IMPORT_FINGERPRINT_SIZE])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, bytes, size);
    sodium_bin2hex(out, IMPORT_FINGERPRINT_SIZE, digest, sizeof(digest));
}

static bool read_all(int fd, char *bytes, size_t size)
{
    size_t done = 0;

    while (done < size) {
        ssize_t count = read(fd, bytes + done, size - done);

        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return false;
        done += (size_t)count;
    }
    return true;
}

bool import_file_load(const struct import_file *file, struct import_file_data *data,
                      char *message, size_t message_size)
{
    int fd = open(file->path, O_RDONLY | O_CLOEXEC);
    struct stat status;

    memset(data, 0, sizeof(*data));
    if (fd < 0 || fstat(fd, &status) != 0) {
        snprintf(message, message_size, "cannot read %s: %s", file->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }

    data->size = (size_t)status.st_size;
    data->bytes = malloc(data->size + 1);
    if (data->bytes == NULL || !read_all(fd, data->bytes, data->size)) {
        snprintf(message, message_size, "cannot read %s: %s", file->path,
                 data->bytes == NULL ? "out of memory" : strerror(errno != 0 ? errno : EIO));
        close(fd);
        import_file_data_free(data);
        return false;
    }
    close(fd);

    data->bytes[data->size] = '\0';
    import_fingerprint(data->bytes, data->size, data->fingerprint);
    return true;
}

void import_file_data_free(struct import_file_data *data)
{
    free(data->bytes);
    memset(data, 0, sizeof(*data));
}

static int compare_paths(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

bool import_source_key(char *const *arguments, size_t argument_count,
                       char out[IMPORT_FINGERPRINT_SIZE], char *message, size_t message_size)
{
    char **paths = calloc(argument_count > 0 ? argument_count : 1, sizeof(*paths));
    crypto_hash_sha256_state state;
    unsigned char digest[crypto_hash_sha256_BYTES];
    bool ok = paths != NULL;

    for (size_t i = 0; ok && i < argument_count; i++) {
        paths[i] = realpath(arguments[i], NULL);
        if (paths[i] == NULL) {
            snprintf(message, message_size, "cannot resolve %s: %s", arguments[i],
                     strerror(errno));
            ok = false;
        }
    }
    if (ok) {
        qsort(paths, argument_count, sizeof(*paths), compare_paths);
        crypto_hash_sha256_init(&state);
        for (size_t i = 0; i < argument_count; i++) {
            crypto_hash_sha256_update(&state, (const unsigned char *)paths[i], strlen(paths[i]));
            crypto_hash_sha256_update(&state, (const unsigned char *)"\n", 1);
        }
        crypto_hash_sha256_final(&state, digest);
        sodium_bin2hex(out, IMPORT_FINGERPRINT_SIZE, digest, sizeof(digest));
    }

    for (size_t i = 0; paths != NULL && i < argument_count; i++)
        free(paths[i]);
    free(paths);
    return ok;
}
