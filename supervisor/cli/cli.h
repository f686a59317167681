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

int command_migrate(int argc, char **argv);
int command_tokens(int argc, char **argv);
int command_tenants(int argc, char **argv);
int command_status(int argc, char **argv);

#endif
