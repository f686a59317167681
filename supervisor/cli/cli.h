/*
 * cli: the `tenantmate` operations command and its subcommands.
 *
 * Contract: each subcommand is a function taking the arguments after its
 * name (argv[0] is the subcommand name) and returning the process exit
 * status: 0 on success, 1 on a failure it has already reported on
 * standard error, 2 on a usage error. Subcommands never print a secret.
 */
#ifndef TENANTMATE_CLI_H
#define TENANTMATE_CLI_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "uuid.h"

/* Connect for a command: DATABASE_URL or the PG* variables, three attempts
 * half a second apart. Logs and returns NULL when it fails. */
PGconn *cli_connect(void);

/* Validate a --tenant value; prints the error and returns false. */
bool cli_parse_tenant(const char *text, char tenant_id[UUID_TEXT_SIZE]);

/* Find "--name VALUE" among argv; NULL when absent. */
const char *cli_option(int argc, char **argv, const char *name);

/* True when every argument is one of the known "--option VALUE" pairs or
 * flags; prints the first unknown one otherwise. */
bool cli_check_options(int argc, char **argv, const char *const *with_value,
                       const char *const *flags);

int command_migrate(int argc, char **argv);
int command_tokens(int argc, char **argv);
int command_tenants(int argc, char **argv);
int command_status(int argc, char **argv);
int command_import(int argc, char **argv);

#endif
