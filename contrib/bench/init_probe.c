/*
 * init_probe: prints this process's proportional set size (PSS) after
 * each step of the start-up every worker goes through, so `make bench`
 * can tell how much of a worker's memory the libraries' initialisation
 * costs: libcurl with OpenSSL, a libpq connection, a libev loop.
 *
 *   init_probe [CONNINFO]
 */
#include <curl/curl.h>
#include <ev.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

/* The value in kB of one smaps_rollup field, -1 when missing. */
static long rollup_kb(const char *field)
{
    FILE *file = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    size_t length = strlen(field);
    long kb = -1;

    if (file == NULL)
        return -1;
    while (fgets(line, sizeof(line), file) != NULL) {
        if (strncmp(line, field, length) == 0 && line[length] == ':') {
            sscanf(line + length + 1, "%ld", &kb);
            break;
        }
    }
    fclose(file);
    return kb;
}

/* PSS counts shared library pages in full while this process is their only
 * user; private memory (clean + dirty) is what each extra process adds. */
static void report(const char *step)
{
    printf("%-28s PSS %6ld kB, private %6ld kB\n", step, rollup_kb("Pss"),
           rollup_kb("Private_Clean") + rollup_kb("Private_Dirty"));
}

int main(int argc, char **argv)
{
    report("process start");

    struct ev_loop *loop = ev_default_loop(0);
    report("libev loop");

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    report("libcurl and OpenSSL init");

    PGconn *conn = PQconnectdb(argc > 1 ? argv[1] : "");
    report(PQstatus(conn) == CONNECTION_OK ? "libpq connected" : "libpq connect failed");

    PQfinish(conn);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    ev_loop_destroy(loop);
    return 0;
}
