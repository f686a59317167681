/* Progress and summary of `tenantmate import`. */
#include "import_report.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 24
#define REDRAW_INTERVAL_S 0.1

static double now_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void import_report_init(struct import_report *report, FILE *out)
{
    memset(report, 0, sizeof(*report));
    report->out = out;
    report->terminal = isatty(fileno(out)) == 1;
}

static double rows_per_s(const struct import_report *report)
{
    double elapsed_s = now_s() - report->file_started_s;

    return elapsed_s > 0 ? (double)report->rows / elapsed_s : 0.0;
}

static void draw_bar(struct import_report *report)
{
    char bar[BAR_WIDTH + 1];
    long total = report->estimated_rows > 0 ? report->estimated_rows : 1;
    long filled = report->rows >= total ? BAR_WIDTH : report->rows * BAR_WIDTH / total;

    for (long i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(report->out, "\r\033[K[%zu/%zu] %s [%s] %ld/%ld rows, %.0f rows/s",
            report->file_index + 1, report->file_count, report->file, bar, report->rows,
            report->estimated_rows, rows_per_s(report));
    fflush(report->out);
    report->drawn_s = now_s();
}

static void file_started(void *context, const char *name, size_t index, size_t count,
                         long estimated_rows)
{
    struct import_report *report = context;

    snprintf(report->file, sizeof(report->file), "%s", name);
    report->file_index = index;
    report->file_count = count;
    report->estimated_rows = estimated_rows;
    report->rows = 0;
    report->file_started_s = now_s();
    if (report->terminal)
        draw_bar(report);
}

static void rows_read(void *context, long rows)
{
    struct import_report *report = context;

    report->rows = rows;
    if (report->terminal && now_s() - report->drawn_s >= REDRAW_INTERVAL_S)
        draw_bar(report);
}

static void file_finished(void *context, const char *name, const char *outcome)
{
    struct import_report *report = context;
    bool read = strcmp(report->file, name) == 0;

    if (report->dry_run && strcmp(outcome, "imported") == 0)
        outcome = "checked (dry run)";

    if (report->terminal)
        fputs("\r\033[K", report->out);
    if (read)
        fprintf(report->out, "%s: %s, %ld rows, %.0f rows/s\n", name, outcome, report->rows,
                rows_per_s(report));
    else
        fprintf(report->out, "%s: %s\n", name, outcome);
    fflush(report->out);
}

struct import_progress import_report_progress(struct import_report *report)
{
    return (struct import_progress){
        .context = report,
        .file_started = file_started,
        .rows_read = rows_read,
        .file_finished = file_finished,
    };
}

/* ---- summary ------------------------------------------------------------- */

static void print_rejections(FILE *out, const struct import_summary *summary)
{
    if (summary->rows_rejected == 0) {
        fprintf(out, "  rejected rows      0\n");
        return;
    }
    fprintf(out, "  rejected rows      %ld\n", summary->rows_rejected);
    for (int reason = 0; reason < IMPORT_REJECT_REASON_COUNT; reason++) {
        const struct import_reason_summary *entry = &summary->rejections[reason];

        if (entry->count == 0)
            continue;
        fprintf(out, "    %-24s %ld, for example", import_rejection_reason_name(reason),
                entry->count);
        for (size_t i = 0; i < entry->example_count; i++)
            fprintf(out, "%s %s row %ld", i > 0 ? "," : "", entry->examples[i].file,
                    entry->examples[i].row);
        fputc('\n', out);
    }
}

static void print_timing(FILE *out, const struct import_summary *summary)
{
    double rate = summary->replay_cpu_s > 0 ? (double)summary->rows / summary->replay_cpu_s : 0;

    fprintf(out, "  time               %.3f s: reading %.3f s, parsing and replay %.3f s CPU "
                 "(%.0f rows/s), database %.3f s\n",
            summary->elapsed_s, summary->read_s, summary->replay_cpu_s, rate,
            summary->database_s);
}

static void print_car(FILE *out, const struct import_summary *summary)
{
    if (!summary->car_known) {
        fprintf(out, "  car                not identified\n");
        return;
    }
    fprintf(out, "  car                %s (VIN %s, vehicle id %" PRId64 ")%s\n",
            summary->car.name[0] != '\0' ? summary->car.name : "unnamed", summary->car.vin,
            summary->car.vid, summary->car_created ? ", created" : "");
}

void import_report_summary(FILE *out, const struct import_options *options,
                           const struct import_summary *summary)
{
    const struct import_write_counts *written = &summary->written;
    const char *verb = options->dry_run ? "would be written" : "written";

    fprintf(out, "import %s%s for tenant %s\n", import_outcome_name(summary->outcome),
            options->dry_run ? " (dry run: nothing written)" : "", options->tenant_id);
    print_car(out, summary);
    fprintf(out, "  time zone          %s%s\n", summary->time_zone,
            summary->resumed ? " (resumed run)" : "");
    fprintf(out, "  files              %zu %s, %zu already imported, %zu not reached, "
                 "of %zu\n",
            summary->files_imported, options->dry_run ? "checked" : "imported",
            summary->files_already_imported,
            summary->files_not_reached, summary->files);
    fprintf(out, "  rows               %ld read: %ld replayed, %ld dropped, %ld rejected\n",
            summary->rows, summary->rows_replayed, summary->rows_dropped,
            summary->rows_rejected);
    fprintf(out, "  %-18s states %ld, drives %ld, charging sessions %ld, updates %ld\n", verb,
            written->states, written->drives, written->charging_processes, written->updates);
    fprintf(out, "                     positions %ld, charges %ld", written->positions,
            written->charges);
    if (written->drives_discarded > 0)
        fprintf(out, ", %ld drives discarded as too short", written->drives_discarded);
    if (written->skipped_values > 0)
        fprintf(out, ", %ld rows skipped (a value out of range)", written->skipped_values);
    fputc('\n', out);
    print_rejections(out, summary);
    if (summary->date_limit_reached)
        fprintf(out, "  stopped            at the car's existing history (later rows are "
                     "already covered)\n");
    print_timing(out, summary);
    if (summary->outcome != IMPORT_OUTCOME_COMPLETE)
        fprintf(out, "  error              %s\n", summary->message);
}
