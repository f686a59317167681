/*
 * tenantmate-worker --tenant UUID: the process the supervisor runs for one
 * tenant. tenantmate-worker --service repair: the one repair process of a
 * deployment (repair_service.h).
 *
 * Start-up ties the process to the supervisor (SIGTERM when it dies) and
 * makes it non-dumpable, so no core file or ptrace exposes the tokens. It
 * sets the process title and reads the configuration.
 *
 * A tenant worker then connects to PostgreSQL (DATABASE_URL or the PG*
 * variables) and checks that the tenant exists, is active and has a token
 * row that decrypts with ENCRYPTION_KEY. When the row does not decrypt,
 * the tenant's vehicles rows get collector_status 'error'. A failed check
 * exits with the status from exit_codes.h that tells the supervisor what
 * to do next. Then the worker reports ready on TENANTMATE_READY_FD and
 * runs the collector (worker.h) until SIGTERM or SIGINT. SIGHUP reopens
 * the log file.
 *
 * The repair service reports ready as soon as its configuration is valid
 * (it connects, retrying, inside repair_service_run()) and runs until
 * SIGTERM or SIGINT.
 */
#include "db.h"
#include "exit_codes.h"
#include "log.h"
#include "places.h"
#include "process_title.h"
#include "repair_service.h"
#include "token_store.h"
#include "uuid.h"
#include "vault.h"
#include "worker.h"
#include "worker_config.h"
#include "worker_rows.h"

#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Returned by the start-up checks when the worker may go on. */
#define CHECK_PASSED (-1)

/* Sent in the User-Agent header as "tenantmate/<version>". */
#define TENANTMATE_WORKER_VERSION "0.1"

static const char usage[] = "usage: tenantmate-worker --tenant UUID | --service repair";

/* The process's role, from the command line. */
enum worker_role {
    WORKER_ROLE_TENANT,     /* --tenant UUID */
    WORKER_ROLE_REPAIR,     /* --service repair */
};

static int parse_arguments(int argc, char **argv, enum worker_role *role,
                           char tenant_id[UUID_TEXT_SIZE])
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        puts(usage);
        return WORKER_EXIT_STOPPED;
    }
    if (argc == 3 && strcmp(argv[1], "--service") == 0) {
        if (strcmp(argv[2], "repair") != 0) {
            log_error("invalid service \"%s\": the only service is \"repair\" (%s)", argv[2],
                      usage);
            return WORKER_EXIT_CONFIG;
        }
        *role = WORKER_ROLE_REPAIR;
        return CHECK_PASSED;
    }
    if (argc != 3 || strcmp(argv[1], "--tenant") != 0) {
        log_error("invalid arguments: expected --tenant UUID or --service repair (%s)", usage);
        return WORKER_EXIT_CONFIG;
    }
    if (!uuid_normalize(argv[2], tenant_id)) {
        log_error("invalid tenant id \"%s\": expected a UUID such as "
                  "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a13",
                  argv[2]);
        return WORKER_EXIT_CONFIG;
    }
    *role = WORKER_ROLE_TENANT;
    return CHECK_PASSED;
}

/* The parent the worker must die with: the supervisor's pid from the
 * environment, or else the parent at start. */
static pid_t expected_parent(void)
{
    const char *text = getenv("TENANTMATE_SUPERVISOR_PID");
    char *end = NULL;
    long pid = text != NULL ? strtol(text, &end, 10) : 0;

    if (text == NULL || *text == '\0' || *end != '\0' || pid <= 1)
        return getppid();
    return (pid_t)pid;
}

static int tie_to_supervisor(void)
{
    pid_t parent = expected_parent();

    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || prctl(PR_SET_DUMPABLE, 0) != 0) {
        log_error("prctl failed: %s", strerror(errno));
        return WORKER_EXIT_CONFIG;
    }
    /* The parent may have died before PR_SET_PDEATHSIG took effect. */
    if (getppid() != parent) {
        log_info("supervisor (pid %d) is gone; exiting", (int)parent);
        return WORKER_EXIT_STOPPED;
    }
    return CHECK_PASSED;
}

static int load_key(struct vault_key *key)
{
    enum vault_status status = vault_init();

    if (status != VAULT_OK) {
        log_error("%s", vault_status_message(status));
        return WORKER_EXIT_CONFIG;
    }
    return vault_key_from_env(key) ? CHECK_PASSED : WORKER_EXIT_CONFIG;
}

/* The tenant row as the collector role sees it: found and active. */
static int check_tenant_row(PGconn *conn, const char *tenant_id, bool *active)
{
    const char *values[] = {tenant_id};

    if (!db_begin_tenant(conn, tenant_id))
        return EXIT_FAILURE;

    PGresult *result =
        db_query(conn, "SELECT tenantmate_tenant_is_active(id) FROM tenants WHERE id = $1", 1,
                 values);
    db_rollback(conn);
    if (result == NULL)
        return EXIT_FAILURE;

    bool found = PQntuples(result) == 1;
    *active = found && strcmp(PQgetvalue(result, 0, 0), "t") == 0;
    PQclear(result);
    if (!found) {
        log_error("tenant not found in the tenants table: the business API or "
                  "`tenantmate tenants add` must create it");
        return WORKER_EXIT_NO_TOKENS;
    }
    return CHECK_PASSED;
}

static int check_tokens(PGconn *conn, const char *tenant_id, const struct vault_key *key)
{
    struct stored_tokens tokens;
    enum token_store_status status = token_store_load(conn, tenant_id, key, &tokens);

    stored_tokens_free(&tokens);
    switch (status) {
    case TOKEN_STORE_OK:
        return CHECK_PASSED;
    case TOKEN_STORE_NO_ROW:
        log_error("tenant has no row in private.tokens: store tokens with `tenantmate tokens "
                  "put` or through the business API");
        return WORKER_EXIT_NO_TOKENS;
    case TOKEN_STORE_UNDECRYPTABLE:
        worker_rows_set_status(conn, tenant_id, COLLECTOR_STATUS_ERROR,
                               WORKER_TOKENS_UNDECRYPTABLE_ERROR, NULL);
        return WORKER_EXIT_TOKENS_REJECTED;
    default:
        return EXIT_FAILURE;
    }
}

static int check_tenant(PGconn *conn, const char *tenant_id, const struct vault_key *key)
{
    bool active = false;
    int status = check_tenant_row(conn, tenant_id, &active);

    if (status != CHECK_PASSED)
        return status;
    status = check_tokens(conn, tenant_id, key);
    if (status != CHECK_PASSED)
        return status;
    if (!active) {
        log_warning("tenant is not active (deleted or no Active or Trial subscription)");
        return WORKER_EXIT_TENANT_INACTIVE;
    }
    return CHECK_PASSED;
}

/* On success the connection stays open in *conn for the collector. */
static int run_checks(const char *tenant_id, const struct vault_key *key, PGconn **conn)
{
    const struct db_retry retry = {.max_attempts = 3, .initial_delay_s = 0.5, .max_delay_s = 2.0};
    const char *conninfo;

    if (!db_conninfo_from_env(&conninfo))
        return WORKER_EXIT_CONFIG;

    *conn = db_connect(conninfo, &retry);
    int status = *conn != NULL ? check_tenant(*conn, tenant_id, key) : EXIT_FAILURE;
    if (status != CHECK_PASSED) {
        PQfinish(*conn);
        *conn = NULL;
    }
    return status;
}

/* Tell the supervisor the checks passed: one newline on the readiness
 * pipe, when started by the supervisor. */
static void notify_ready(void)
{
    const char *text = getenv("TENANTMATE_READY_FD");
    char *end = NULL;
    long fd = text != NULL ? strtol(text, &end, 10) : -1;

    if (text == NULL || *text == '\0' || *end != '\0' || fd < 0)
        return;
    if (write((int)fd, "\n", 1) != 1)
        log_warning("cannot write to the readiness pipe (fd %ld): %s", fd, strerror(errno));
    close((int)fd);
}

/* The checks and the collector: everything after the arguments. */
static int run(const char *tenant_id)
{
    struct worker_config config;
    struct places_config places;
    struct vault_key key;
    PGconn *conn = NULL;

    int status = tie_to_supervisor();
    if (status != CHECK_PASSED)
        return status;
    status = load_key(&key);
    if (status != CHECK_PASSED)
        return status;
    if (!worker_config_from_env(&config, TENANTMATE_WORKER_VERSION)) {
        vault_key_wipe(&key);
        return WORKER_EXIT_CONFIG;
    }
    if (!places_config_from_env(&places, TENANTMATE_WORKER_VERSION)) {
        worker_config_wipe(&config);
        vault_key_wipe(&key);
        return WORKER_EXIT_CONFIG;
    }

    status = run_checks(tenant_id, &key, &conn);
    if (status == CHECK_PASSED) {
        notify_ready();
        log_info("worker ready");
        const struct worker_options options = {
            .tenant_id = tenant_id, .config = &config, .places = &places, .conn = conn,
            .key = &key};
        status = worker_run(&options);
    }
    worker_config_wipe(&config);
    vault_key_wipe(&key);
    return status;
}

/* The repair service: ready once its configuration is valid. */
static int run_repair(void)
{
    struct repair_config config;

    int status = tie_to_supervisor();
    if (status != CHECK_PASSED)
        return status;
    repair_config_defaults(&config, TENANTMATE_WORKER_VERSION);
    if (!repair_config_from_env(&config))
        return WORKER_EXIT_CONFIG;

    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (loop == NULL) {
        log_error("cannot initialise libev's default loop: check LIBEV_FLAGS");
        return EXIT_FAILURE;
    }
    notify_ready();
    status = repair_service_run(loop, &config);
    ev_loop_destroy(loop);
    return status;
}

int main(int argc, char **argv)
{
    char tenant_id[UUID_TEXT_SIZE] = "";
    enum worker_role role = WORKER_ROLE_TENANT;
    char **arguments = process_title_init(argc, argv);

    if (arguments == NULL)
        arguments = argv;
    if (!log_init_from_env("tenantmate-worker"))
        return WORKER_EXIT_CONFIG;

    int status = parse_arguments(argc, arguments, &role, tenant_id);
    if (status != CHECK_PASSED)
        return status;

    if (role == WORKER_ROLE_REPAIR) {
        process_title_set("tenantmate: repair starting");
        status = run_repair();
    } else {
        log_set_tenant(tenant_id);
        process_title_set("tenantmate: worker tenant=%s", tenant_id);
        status = run(tenant_id);
    }
    log_info("exiting with status %d (%s)", status, worker_exit_name(status));
    return status;
}
