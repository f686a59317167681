/*
 * fake-nominatim: a local stand-in for a Nominatim /reverse server and an
 * SRTM tile server, for tenantmate's tests. It never contacts anything.
 *
 *   GET  /reverse?...&lat=L&lon=L    the response from responses.c, or the
 *                                    fault of the current mode
 *   GET  /srtm/<tile>.hgt            a generated 3 arc-second tile (see
 *                                    test/unit/srtm_fixture.h) for the
 *                                    tiles named by --tiles, else 404
 *   POST /admin/mode?mode=M[&stall=S] switch the mode (and stall seconds)
 *   GET  /admin/requests             every /reverse request so far as
 *                                    JSON: [{"lat":..,"lon":..,"at_s":..}]
 *
 * Modes: ok, error (HTTP 500 with a JSON error), unavailable (HTTP 503,
 * text), stall (wait, then respond as ok), not-json (HTTP 200 HTML),
 * no-osm-id (HTTP 200 JSON without osm_id). See docs/places.md.
 *
 * Exit status: 0 after SIGTERM or SIGINT, 1 when the socket cannot be
 * opened, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "responses.h"
#include "srtm_fixture.h"

#define DEFAULT_PORT 8088u
#define REQUESTS_MAX 4096
#define TILES_MAX 64
#define SRTM_POINTS 1201

enum mode {
    MODE_OK,
    MODE_ERROR,
    MODE_UNAVAILABLE,
    MODE_STALL,
    MODE_NOT_JSON,
    MODE_NO_OSM_ID,
    MODE_COUNT
};

static const char *const mode_names[MODE_COUNT] = {
    [MODE_OK] = "ok",
    [MODE_ERROR] = "error",
    [MODE_UNAVAILABLE] = "unavailable",
    [MODE_STALL] = "stall",
    [MODE_NOT_JSON] = "not-json",
    [MODE_NO_OSM_ID] = "no-osm-id",
};

_Static_assert(sizeof(mode_names) / sizeof(mode_names[0]) == MODE_COUNT,
               "mode_names must name every mode");

struct logged_request {
    char latitude[32];
    char longitude[32];
    double at_s;
};

struct tile {
    int latitude;
    int longitude;
};

/* Shared by the connection threads, under lock. */
struct server_state {
    pthread_mutex_t lock;
    enum mode mode;
    double stall_s;
    struct logged_request requests[REQUESTS_MAX];
    size_t request_count;
    struct tile tiles[TILES_MAX];
    size_t tile_count;
    double started_s;
    volatile sig_atomic_t stopping;
};

static double monotonic_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static bool parse_mode(const char *text, enum mode *mode)
{
    for (int i = 0; i < MODE_COUNT; i++) {
        if (text != NULL && strcmp(text, mode_names[i]) == 0) {
            *mode = (enum mode)i;
            return true;
        }
    }
    return false;
}

static bool parse_seconds(const char *text, double *seconds)
{
    char *end = NULL;
    double value = text != NULL ? strtod(text, &end) : -1.0;

    if (text == NULL || end == text || *end != '\0' || !(value >= 0.0) || value > 3600.0)
        return false;
    *seconds = value;
    return true;
}

/* "N00E000,N01E001": tiles to serve. */
static bool parse_tiles(const char *text, struct server_state *state)
{
    const char *c = text;

    while (*c != '\0') {
        char north_south;
        char east_west;
        int latitude;
        int longitude;
        int used = 0;

        if (state->tile_count >= TILES_MAX ||
            sscanf(c, "%c%2d%c%3d%n", &north_south, &latitude, &east_west, &longitude, &used) != 4 ||
            (north_south != 'N' && north_south != 'S') || (east_west != 'E' && east_west != 'W'))
            return false;
        state->tiles[state->tile_count++] = (struct tile){
            .latitude = north_south == 'N' ? latitude : -latitude,
            .longitude = east_west == 'E' ? longitude : -longitude,
        };
        c += used;
        if (*c == ',')
            c++;
        else if (*c != '\0')
            return false;
    }
    return true;
}

static enum MHD_Result send_body(struct MHD_Connection *connection, unsigned status,
                                 const char *content_type, const void *body, size_t length)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(length, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(response, "Content-Type", content_type);
    enum MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return queued;
}

static enum MHD_Result send_text(struct MHD_Connection *connection, unsigned status,
                                 const char *content_type, const char *body)
{
    return send_body(connection, status, content_type, body, strlen(body));
}

/* Sleeps in slices so SIGTERM ends a stall quickly. */
static void stall(struct server_state *state, double seconds)
{
    struct timespec slice = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};

    for (double waited = 0.0; waited < seconds && !state->stopping; waited += 0.05)
        nanosleep(&slice, NULL);
}

static enum MHD_Result serve_reverse(struct server_state *state,
                                     struct MHD_Connection *connection)
{
    const char *latitude = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "lat");
    const char *longitude = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "lon");

    pthread_mutex_lock(&state->lock);
    enum mode mode = state->mode;
    double stall_s = state->stall_s;
    if (state->request_count < REQUESTS_MAX) {
        struct logged_request *logged = &state->requests[state->request_count++];
        snprintf(logged->latitude, sizeof(logged->latitude), "%s", latitude != NULL ? latitude : "");
        snprintf(logged->longitude, sizeof(logged->longitude), "%s",
                 longitude != NULL ? longitude : "");
        logged->at_s = monotonic_s() - state->started_s;
    }
    pthread_mutex_unlock(&state->lock);

    if (latitude == NULL || longitude == NULL)
        return send_text(connection, 400, "application/json",
                         "{\"error\":{\"code\":400,\"message\":\"Parameter 'lat' and 'lon' "
                         "expected\"}}");
    switch (mode) {
    case MODE_ERROR:
        return send_text(connection, 500, "application/json", "{\"error\":\"induced error\"}");
    case MODE_UNAVAILABLE:
        return send_text(connection, 503, "text/plain", "Service Unavailable");
    case MODE_NOT_JSON:
        return send_text(connection, 200, "text/html", "<html><body>Bad Gateway</body></html>");
    case MODE_NO_OSM_ID:
        return send_text(connection, 200, "application/json", response_without_osm_id());
    case MODE_STALL:
        stall(state, stall_s);
        break;
    default:
        break;
    }

    struct reverse_response response = response_for_point(strtod(latitude, NULL), strtod(longitude, NULL));
    return send_text(connection, response.status, "application/json", response.body);
}

static enum MHD_Result serve_tile(struct server_state *state, struct MHD_Connection *connection,
                                  const char *url)
{
    char name[8];

    for (size_t i = 0; i < state->tile_count; i++) {
        char path[32];
        srtm_fixture_tile_name(state->tiles[i].latitude, state->tiles[i].longitude, name);
        snprintf(path, sizeof(path), "/srtm/%s.hgt", name);
        if (strcmp(url, path) != 0)
            continue;

        size_t size = 0;
        uint8_t *bytes = srtm_fixture_tile(state->tiles[i].latitude, state->tiles[i].longitude,
                                           SRTM_POINTS, &size);
        if (bytes == NULL)
            return send_text(connection, 500, "text/plain", "out of memory");
        enum MHD_Result queued =
            send_body(connection, 200, "application/octet-stream", bytes, size);
        free(bytes);
        return queued;
    }
    return send_text(connection, 404, "text/plain", "no such tile");
}

static enum MHD_Result serve_set_mode(struct server_state *state,
                                      struct MHD_Connection *connection)
{
    const char *mode_text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "mode");
    const char *stall_text =
        MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "stall");
    enum mode mode;
    double stall_s = 0.0;

    if (!parse_mode(mode_text, &mode) || (stall_text != NULL && !parse_seconds(stall_text, &stall_s)))
        return send_text(connection, 400, "text/plain",
                         "invalid mode: use ok, error, unavailable, stall, not-json or no-osm-id, "
                         "and stall in seconds from 0 to 3600\n");

    pthread_mutex_lock(&state->lock);
    state->mode = mode;
    if (stall_text != NULL)
        state->stall_s = stall_s;
    pthread_mutex_unlock(&state->lock);
    fprintf(stderr, "fake-nominatim: mode %s\n", mode_names[mode]);
    return send_text(connection, 200, "text/plain", mode_names[mode]);
}

static enum MHD_Result serve_requests(struct server_state *state,
                                      struct MHD_Connection *connection)
{
    pthread_mutex_lock(&state->lock);
    size_t size = 16 + state->request_count * 128;
    char *body = malloc(size);
    size_t used = 0;

    if (body != NULL) {
        used += (size_t)snprintf(body, size, "[");
        for (size_t i = 0; i < state->request_count; i++) {
            const struct logged_request *logged = &state->requests[i];
            used += (size_t)snprintf(body + used, size - used,
                                     "%s{\"lat\":\"%s\",\"lon\":\"%s\",\"at_s\":%.3f}",
                                     i > 0 ? "," : "", logged->latitude, logged->longitude,
                                     logged->at_s);
        }
        snprintf(body + used, size - used, "]");
    }
    pthread_mutex_unlock(&state->lock);

    if (body == NULL)
        return send_text(connection, 500, "text/plain", "out of memory");
    enum MHD_Result queued = send_text(connection, 200, "application/json", body);
    free(body);
    return queued;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **request_state)
{
    struct server_state *state = cls;
    static int first_call_marker;

    (void)version;
    (void)upload_data;
    if (*request_state == NULL) {
        *request_state = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (strcmp(method, "GET") == 0 && strcmp(url, "/reverse") == 0)
        return serve_reverse(state, connection);
    if (strcmp(method, "GET") == 0 && strncmp(url, "/srtm/", 6) == 0)
        return serve_tile(state, connection, url);
    if (strcmp(method, "POST") == 0 && strcmp(url, "/admin/mode") == 0)
        return serve_set_mode(state, connection);
    if (strcmp(method, "GET") == 0 && strcmp(url, "/admin/requests") == 0)
        return serve_requests(state, connection);
    return send_text(connection, 404, "text/plain", "not found\n");
}

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: fake-nominatim [options]\n"
            "\n"
            "Serves Nominatim's /reverse from a fixed table and generated SRTM tiles on one\n"
            "local address, for tests.\n"
            "\n"
            "  --listen ADDRESS     numeric IPv4 address to listen on (default 127.0.0.1)\n"
            "  --port N             TCP port (default %u; 0 picks a free port)\n"
            "  --mode MODE          ok, error, unavailable, stall, not-json or no-osm-id\n"
            "                       (default ok); POST /admin/mode?mode=MODE changes it\n"
            "  --stall SECONDS      how long the stall mode waits (default 60)\n"
            "  --tiles LIST         tiles served at /srtm/<tile>.hgt, e.g. N52E013,S01W001\n"
            "  --help               show this text\n"
            "\n"
            "The first line on standard output is \"listening on ADDRESS:PORT\".\n",
            DEFAULT_PORT);
}

struct options {
    const char *listen_address;
    unsigned port;
};

/* 0 to go on, else the exit status (-1: exit 0 after --help). */
static int parse_options(int argc, char **argv, struct options *options,
                         struct server_state *state)
{
    static const struct option long_options[] = {
        {"listen", required_argument, NULL, 'l'}, {"port", required_argument, NULL, 'p'},
        {"mode", required_argument, NULL, 'm'},   {"stall", required_argument, NULL, 's'},
        {"tiles", required_argument, NULL, 't'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int id;
    int index = 0;
    char *end = NULL;

    opterr = 0;
    while ((id = getopt_long(argc, argv, "", long_options, &index)) != -1) {
        bool valid = true;
        unsigned long port;
        switch (id) {
        case 'h': print_usage(stdout); return -1;
        case 'l': options->listen_address = optarg; break;
        case 'p':
            port = strtoul(optarg, &end, 10);
            valid = *optarg != '\0' && *end == '\0' && port <= 65535;
            options->port = (unsigned)port;
            break;
        case 'm': valid = parse_mode(optarg, &state->mode); break;
        case 's': valid = parse_seconds(optarg, &state->stall_s); break;
        case 't': valid = parse_tiles(optarg, state); break;
        default:
            fprintf(stderr, "fake-nominatim: unknown option or missing value: %s (see --help)\n",
                    argv[optind - 1]);
            return 2;
        }
        if (!valid) {
            fprintf(stderr, "fake-nominatim: invalid --%s \"%s\" (see --help)\n",
                    long_options[index].name, optarg);
            return 2;
        }
    }
    return 0;
}

static struct MHD_Daemon *start_daemon(const struct options *options, struct server_state *state,
                                       unsigned *port)
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)options->port)};

    if (inet_pton(AF_INET, options->listen_address, &address.sin_addr) != 1) {
        fprintf(stderr, "fake-nominatim: invalid --listen \"%s\": expected an IPv4 address\n",
                options->listen_address);
        return NULL;
    }
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
        on_request, state, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "fake-nominatim: cannot listen on %s:%u: %s\n", options->listen_address,
                options->port, strerror(errno));
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info != NULL ? info->port : options->port;
    return daemon;
}

int main(int argc, char **argv)
{
    static struct server_state state = {.mode = MODE_OK, .stall_s = 60.0};
    struct options options = {.listen_address = "127.0.0.1", .port = DEFAULT_PORT};
    unsigned port = 0;

    int status = parse_options(argc, argv, &options, &state);
    if (status != 0)
        return status < 0 ? 0 : status;

    pthread_mutex_init(&state.lock, NULL);
    state.started_s = monotonic_s();
    signal(SIGPIPE, SIG_IGN);

    /* Blocked before the server's threads start, so they inherit the mask
     * and only sigwait() below receives the stop signals. */
    sigset_t stop_signals;
    int signal_number = 0;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    struct MHD_Daemon *daemon = start_daemon(&options, &state, &port);
    if (daemon == NULL)
        return 1;
    printf("listening on %s:%u\n", options.listen_address, port);
    fflush(stdout);

    sigwait(&stop_signals, &signal_number);
    state.stopping = 1;
    MHD_stop_daemon(daemon);
    fprintf(stderr, "fake-nominatim: stopped on signal %d after %zu /reverse requests\n",
            signal_number, state.request_count);
    return 0;
}
