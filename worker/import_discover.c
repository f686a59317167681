/* Finding the car an import belongs to. */
#include "import_internal.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TeslaMate's discovery: the first kept row with a VIN and a vehicle id
 * (an empty vehicle_id cell counts, with the fallback id). */
static bool row_names_car(const struct import_row *row)
{
    return row->kind == IMPORT_ROW_VEHICLE && row->identity.has_vin && row->identity.has_vid;
}

static void take_car(struct import_job *job, const struct import_row *row)
{
    struct import_car_found *found = &job->summary->car;

    snprintf(found->vin, sizeof(found->vin), "%s", row->sample.vin);
    found->vid = row->identity.vid;
    snprintf(found->name, sizeof(found->name), "%s", row->sample.display_name);
    job->summary->car_known = true;
}

/* The rejections met while looking, kept per file in case no car is found. */
struct seen_file {
    char name[IMPORT_FILE_NAME_SIZE];
    char fingerprint[IMPORT_FINGERPRINT_SIZE];
    struct import_rejection_list rejections;
};

/* Reads one file until a row names the car. Returns false on a file that
 * cannot be read or imported. */
static bool search_file(struct import_job *job, const struct import_file *file,
                        struct seen_file *seen, bool *found)
{
    struct import_file_data data;
    struct import_scan scan;
    enum import_scan_status status;

    if (!import_load(job, file, &data))
        return false;
    snprintf(seen->name, sizeof(seen->name), "%s", file->name);
    snprintf(seen->fingerprint, sizeof(seen->fingerprint), "%s", data.fingerprint);

    if (!import_scan_open(&scan, file->name, &data, &job->zone, &job->row_options)) {
        import_file_data_free(&data);
        return import_fail(job, IMPORT_OUTCOME_FILE_ERROR, "%s", scan.message);
    }
    while ((status = import_scan_next(&scan, &job->row)) == IMPORT_SCAN_ROW) {
        if (job->row.kind == IMPORT_ROW_REJECTED)
            import_rejection_list_add(&seen->rejections, &job->row.rejection);
        if (row_names_car(&job->row)) {
            take_car(job, &job->row);
            *found = true;
            break;
        }
    }
    if (status == IMPORT_SCAN_FAILED)
        import_fail(job, IMPORT_OUTCOME_FILE_ERROR, "%s", scan.message);
    import_scan_close(&scan);
    import_file_data_free(&data);
    return status != IMPORT_SCAN_FAILED;
}

/* No row names the car: report (and store) what was rejected on the way. */
static bool report_no_car(struct import_job *job, struct seen_file *seen, size_t count)
{
    struct import_write_counts ignored = {0};

    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < seen[i].rejections.count; j++)
            import_count_rejection(job->summary, seen[i].name, &seen[i].rejections.items[j]);
        if (job->has_store && seen[i].rejections.count > 0 &&
            !import_store_save_rejections(&job->store, seen[i].name, seen[i].fingerprint,
                                          seen[i].rejections.items, seen[i].rejections.count,
                                          &ignored))
            return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "%s", job->store.message);
    }
    return import_fail(job, IMPORT_OUTCOME_VEHICLE_DATA_INCOMPLETE,
                       "vehicle_data_incomplete: no row has both a vin and a vehicle_id, so the "
                       "car cannot be identified; include the months where TeslaFi recorded "
                       "the car's identity");
}

static bool search_files(struct import_job *job)
{
    size_t count = job->files.count;
    struct seen_file *seen = calloc(count, sizeof(*seen));
    bool found = false, ok = seen != NULL;

    if (seen == NULL)
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "out of memory");
    for (size_t i = 0; ok && !found && i < count; i++)
        ok = search_file(job, &job->files.files[i], &seen[i], &found);
    if (ok && !found)
        ok = report_no_car(job, seen, count);

    for (size_t i = 0; i < count; i++)
        free(seen[i].rejections.items);
    free(seen);
    return ok;
}

bool import_discover_car(struct import_job *job)
{
    struct import_summary *summary = job->summary;
    bool attached = false;

    if (job->has_store && !import_store_run_car(&job->store, &summary->car, &attached))
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "%s", job->store.message);
    if (attached) {
        summary->car_known = true;
    } else {
        if (!search_files(job))
            return false;
        if (job->has_store && !import_store_attach_car(&job->store, &summary->car))
            return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "%s", job->store.message);
        summary->car_created = job->has_store && job->store.car_created;
    }

    snprintf(job->car.vin, sizeof(job->car.vin), "%s", summary->car.vin);
    job->car.vid = summary->car.vid;
    if (job->has_store)
        log_car_info(job->store.car_id, "importing car %s (vehicle id %" PRId64 ")%s",
                     summary->car.name, summary->car.vid,
                     summary->car_created ? ", created by this import" : "");
    return true;
}
