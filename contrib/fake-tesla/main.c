/*
 * fake-tesla: a local stand-in for the Tesla Owner API and Fleet API that
 * replays recorded cars for many accounts. See docs/fake-tesla.md.
 *
 * Exit status: 0 after SIGTERM or SIGINT (the request counters are
 * printed on standard output first), 1 when the configuration, a trace or
 * the listening socket cannot be used, 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "stats.h"

#define DEFAULT_PORT 8087u
#define THREADS_MAX 64u

enum exit_status {
    EXIT_STOPPED = 0,
    EXIT_FAILED = 1,
    EXIT_USAGE = 2,
};

struct options {
    const char *config_path;
    const char *listen_address;
    unsigned port;
    unsigned threads;
    const char *time_zone;
    int64_t expires_in_s;
    bool loop;
    bool has_flavor;
    enum api_flavor flavor;
    size_t accounts;
    size_t cars_per_account;
    const char *trace;
    bool print_config;
};

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: fake-tesla --config FILE [options]\n"
            "       fake-tesla --accounts N --cars-per-account M --trace PATH [options]\n"
            "\n"
            "Serves the Tesla Owner and Fleet API on one local address, replaying recorded\n"
            "cars (TeslaFi CSV exports or JSON lines of vehicle_data responses).\n"
            "\n"
            "  --config FILE            accounts and cars (JSON; see docs/fake-tesla.md)\n"
            "  --accounts N             generate N accounts instead of reading a file\n"
            "  --cars-per-account M     cars per generated account (default 1)\n"
            "  --trace PATH             trace of every generated car: a CSV file, a\n"
            "                           directory of TeslaFi exports or a .jsonl file\n"
            "  --print-config           print the generated configuration and exit\n"
            "  --listen ADDRESS         numeric address to listen on (default 127.0.0.1)\n"
            "  --port N                 TCP port (default %u; 0 picks a free port)\n"
            "  --threads N              HTTP threads (default: one per CPU)\n"
            "  --time-zone ZONE         tz database zone of TeslaFi Date columns, for cars\n"
            "                           that set none (default UTC)\n"
            "  --expires-in SECONDS     lifetime of access tokens (default 28800)\n"
            "  --loop                   restart traces when they end instead of sleeping\n"
            "  --api fleet|owner        which recorded error bodies to send (default fleet)\n"
            "  --help                   show this text\n"
            "\n"
            "The first line on standard output is \"listening on ADDRESS:PORT\". SIGTERM or\n"
            "SIGINT prints the request counters and exits 0.\n",
            DEFAULT_PORT);
}

static bool parse_count(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;

    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value > max)
        return false;
    *out = value;
    return true;
}

static bool parse_number_option(const char *name, const char *text, unsigned long long min,
                                unsigned long long max, unsigned long long *out)
{
    if (parse_count(text, max, out) && *out >= min)
        return true;
    fprintf(stderr, "fake-tesla: invalid %s \"%s\": expected a whole number from %llu to %llu\n",
            name, text, min, max);
    return false;
}

enum option_id {
    OPTION_CONFIG = 256,
    OPTION_LISTEN,
    OPTION_PORT,
    OPTION_THREADS,
    OPTION_TIME_ZONE,
    OPTION_EXPIRES_IN,
    OPTION_LOOP,
    OPTION_API,
    OPTION_ACCOUNTS,
    OPTION_CARS_PER_ACCOUNT,
    OPTION_TRACE,
    OPTION_PRINT_CONFIG,
    OPTION_HELP,
};

static const struct option long_options[] = {
    {"config", required_argument, NULL, OPTION_CONFIG},
    {"listen", required_argument, NULL, OPTION_LISTEN},
    {"port", required_argument, NULL, OPTION_PORT},
    {"threads", required_argument, NULL, OPTION_THREADS},
    {"time-zone", required_argument, NULL, OPTION_TIME_ZONE},
    {"expires-in", required_argument, NULL, OPTION_EXPIRES_IN},
    {"loop", no_argument, NULL, OPTION_LOOP},
    {"api", required_argument, NULL, OPTION_API},
    {"accounts", required_argument, NULL, OPTION_ACCOUNTS},
    {"cars-per-account", required_argument, NULL, OPTION_CARS_PER_ACCOUNT},
    {"trace", required_argument, NULL, OPTION_TRACE},
    {"print-config", no_argument, NULL, OPTION_PRINT_CONFIG},
    {"help", no_argument, NULL, OPTION_HELP},
    {NULL, 0, NULL, 0},
};

/* Applies one option; false on a bad value. */
static bool apply_option(struct options *options, int id, const char *value)
{
    unsigned long long number = 0;

    switch (id) {
    case OPTION_CONFIG: options->config_path = value; return true;
    case OPTION_LISTEN: options->listen_address = value; return true;
    case OPTION_TIME_ZONE: options->time_zone = value; return true;
    case OPTION_TRACE: options->trace = value; return true;
    case OPTION_LOOP: options->loop = true; return true;
    case OPTION_PRINT_CONFIG: options->print_config = true; return true;
    case OPTION_PORT:
        if (!parse_number_option("--port", value, 0, 65535, &number))
            return false;
        options->port = (unsigned)number;
        return true;
    case OPTION_THREADS:
        if (!parse_number_option("--threads", value, 1, THREADS_MAX, &number))
            return false;
        options->threads = (unsigned)number;
        return true;
    case OPTION_EXPIRES_IN:
        if (!parse_number_option("--expires-in", value, 1, 100000000, &number))
            return false;
        options->expires_in_s = (int64_t)number;
        return true;
    case OPTION_ACCOUNTS:
        if (!parse_number_option("--accounts", value, 1, 999999, &number))
            return false;
        options->accounts = (size_t)number;
        return true;
    case OPTION_CARS_PER_ACCOUNT:
        if (!parse_number_option("--cars-per-account", value, 1, 999999, &number))
            return false;
        options->cars_per_account = (size_t)number;
        return true;
    case OPTION_API:
        options->has_flavor = true;
        if (api_flavor_parse(value, &options->flavor))
            return true;
        fprintf(stderr, "fake-tesla: invalid --api \"%s\": use fleet or owner\n", value);
        return false;
    default:
        return false;
    }
}

/* 0 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *options)
{
    int id;

    *options = (struct options){.listen_address = "127.0.0.1", .port = DEFAULT_PORT,
                                .cars_per_account = 1};
    opterr = 0;
    while ((id = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (id == OPTION_HELP) {
            print_usage(stdout);
            return -1;
        }
        if (id == '?') {
            fprintf(stderr, "fake-tesla: unknown option or missing value: %s\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (!apply_option(options, id, optarg))
            return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "fake-tesla: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    if ((options->config_path == NULL) == (options->accounts == 0)) {
        fprintf(stderr, "fake-tesla: give either --config FILE or --accounts N with --trace "
                        "PATH (see --help)\n");
        return EXIT_USAGE;
    }
    if (options->accounts > 0 && options->trace == NULL) {
        fprintf(stderr, "fake-tesla: --accounts needs --trace PATH\n");
        return EXIT_USAGE;
    }
    if (options->accounts * options->cars_per_account > 999999) {
        fprintf(stderr, "fake-tesla: at most 999999 generated cars in all\n");
        return EXIT_USAGE;
    }
    if (options->threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        options->threads = cpus < 1 ? 1 : cpus > (long)THREADS_MAX ? THREADS_MAX : (unsigned)cpus;
    }
    return 0;
}

static cJSON *generate(const struct options *options)
{
    struct generator_options generator = {
        .accounts = options->accounts,
        .cars_per_account = options->cars_per_account,
        .trace = options->trace,
        .time_zone = options->time_zone,
        .expires_in_s = options->expires_in_s,
        .loop = options->loop,
        .flavor = options->has_flavor ? options->flavor : API_FLAVOR_FLEET,
    };

    return config_generate(&generator);
}

/* Reads or generates the configuration, with command-line overrides. */
static struct fake_config *load_config(const struct options *options)
{
    struct config_error error;
    struct fake_config *config;

    if (options->config_path != NULL) {
        config = config_load_file(options->config_path, &error);
    } else {
        cJSON *document = generate(options);
        char *text = cJSON_PrintUnformatted(document);
        config = text != NULL ? config_parse(text, strlen(text), "generated configuration", ".",
                                             &error)
                              : NULL;
        if (text == NULL)
            snprintf(error.message, sizeof(error.message), "out of memory");
        free(text);
        cJSON_Delete(document);
    }
    if (config == NULL) {
        log_error("%s", error.message);
        return NULL;
    }

    char *zone = options->time_zone != NULL ? strdup(options->time_zone) : NULL;
    if (zone != NULL) {
        free(config->time_zone);
        config->time_zone = zone;
    }
    if (options->expires_in_s > 0)
        config->expires_in_s = options->expires_in_s;
    if (options->loop)
        config->loop = true;
    if (options->has_flavor)
        config->flavor = options->flavor;
    return config;
}

static int print_generated_config(const struct options *options)
{
    cJSON *document = generate(options);
    char *text = cJSON_Print(document);

    cJSON_Delete(document);
    if (text == NULL) {
        log_error("cannot print the configuration: out of memory");
        return EXIT_FAILED;
    }
    printf("%s\n", text);
    free(text);
    return EXIT_STOPPED;
}

/* Lets many keep-alive connections stay open. */
static void raise_file_limit(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

/* Waits for SIGTERM or SIGINT, reopening the log file on SIGHUP. */
static void wait_for_stop(const sigset_t *signals)
{
    for (;;) {
        int received = 0;
        if (sigwait(signals, &received) != 0)
            continue;
        if (received == SIGHUP) {
            log_reopen();
            continue;
        }
        log_info("received %s, stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
        return;
    }
}

static int serve(const struct options *options, struct server *server, const sigset_t *signals)
{
    struct http_options http_options = {
        .address = options->listen_address, .port = options->port, .threads = options->threads};
    char bound[96];

    if (!http_start(server, &http_options, bound, sizeof(bound)))
        return EXIT_FAILED;
    printf("listening on %s\n", bound);
    fflush(stdout);
    log_info("listening on %s with %u threads", bound, options->threads);

    wait_for_stop(signals);
    http_stop(server);
    stats_print(server, stdout);
    log_info("stopped");
    return EXIT_STOPPED;
}

int main(int argc, char **argv)
{
    struct options options;
    sigset_t signals;
    int status;

    if (!log_init_from_env("fake-tesla"))
        return EXIT_USAGE;
    status = parse_options(argc, argv, &options);
    if (status != 0)
        return status < 0 ? EXIT_STOPPED : status;
    if (options.print_config && options.accounts > 0)
        return print_generated_config(&options);
    if (sodium_init() < 0) {
        log_error("cannot initialise libsodium");
        return EXIT_FAILED;
    }

    /* Block the stop signals before any thread starts, so that only
     * sigwait() receives them. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_file_limit();

    struct fake_config *config = load_config(&options);
    if (config == NULL)
        return EXIT_FAILED;
    struct server_error error;
    struct server *server = server_build(config, &error);
    config_free(config);
    if (server == NULL) {
        log_error("%s", error.message);
        return EXIT_FAILED;
    }

    status = serve(&options, server, &signals);
    server_free(server);
    return status;
}
