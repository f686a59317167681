/*
 * sql_script: split a migration file into single SQL statements.
 *
 * Contract: sql_script_next() walks the text in place and returns each
 * statement without its terminating semicolon, with the line it starts
 * on, so a failure can name the file, line and statement. It understands
 * what can hide a semicolon: -- and nested block comments, quoted strings
 * (standard and E'' escapes), quoted identifiers and dollar quoting.
 * Empty statements (only blanks and comments) are skipped. The caller owns
 * the text; returned statements are copies the caller frees.
 */
#ifndef TENANTMATE_SQL_SCRIPT_H
#define TENANTMATE_SQL_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

struct sql_script {
    const char *text;
    size_t length;
    size_t offset;
    int line;
};

struct sql_statement {
    char *text;
    int first_line;
};

void sql_script_init(struct sql_script *script, const char *text, size_t length);

/* Returns false at the end of the script. An unterminated quote or comment
 * yields the rest of the text as one last statement, which PostgreSQL then
 * rejects with its own message. */
bool sql_script_next(struct sql_script *script, struct sql_statement *statement);

void sql_statement_free(struct sql_statement *statement);

#endif
