/*
 * tenantmate: the operations command. `tenantmate help` lists the
 * subcommands; each lives in its own file of supervisor/cli/.
 */
#include "cli.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
};

static const struct subcommand subcommands[] = {
    {"migrate", command_migrate,
     "migrate [--down N | --status]     apply pending migrations, roll back N, or list them"},
    {"tokens", command_tokens,
     "tokens put --tenant UUID          store a token pair read from stdin (two lines:\n"
     "                                  access token, refresh token), encrypted\n"
     "tokens check --tenant UUID        check that the stored pair decrypts; show its expiry"},
    {"tenants", command_tenants,
     "tenants add --tenant UUID --name NAME\n"
     "tenants delete --tenant UUID      soft-delete (sets deleted_at)\n"
     "tenants list"},
    {"status", command_status,
     "status [--tenant UUID]            one line per tenant worker, from the status table"},
    {"import", command_import,
     "import --tenant UUID --time-zone AREA/CITY [--dry-run] [--vehicle-id ID] FILE_OR_DIR...\n"
     "                                  import TeslaFi CSV exports (monthly files) into the\n"
     "                                  tenant's data\n"
     "import --tenant UUID --discard FILE_OR_DIR...\n"
     "                                  drop an interrupted import run to start it afresh"},
};

static void print_usage(FILE *out)
{
    fputs("usage: tenantmate COMMAND [OPTIONS]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        /* Indent every line of a usage text, not only its first. */
        for (const char *line = subcommands[i].usage; *line != '\0';) {
            size_t length = strcspn(line, "\n");

            fprintf(out, "  %.*s\n", (int)length, line);
            line += length + (line[length] == '\n');
        }
    }
    fputs("\nThe database comes from DATABASE_URL or the PG* variables; tokens need\n"
          "ENCRYPTION_KEY. See README.md for every variable.\n",
          out);
}

int main(int argc, char **argv)
{
    if (!log_init_from_env("tenantmate"))
        return 2;

    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }

    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    }

    log_error("unknown command \"%s\"; run tenantmate help", argv[1]);
    return 2;
}
