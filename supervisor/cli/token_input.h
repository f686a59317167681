/*
 * token_input: read a Tesla token pair from standard input.
 *
 * Contract: reads exactly two non-empty lines, the access token then the
 * refresh token, and nothing else; a terminal gets prompts and no echo.
 * Tokens never come from argv or the environment, so they never show in
 * `ps` or /proc. Lines are wiped and freed with token_pair_free().
 */
#ifndef TENANTMATE_TOKEN_INPUT_H
#define TENANTMATE_TOKEN_INPUT_H

#include <stdbool.h>
#include <stdio.h>

struct token_pair {
    char *access;
    char *refresh;
};

bool token_pair_read(FILE *input, struct token_pair *pair);
void token_pair_free(struct token_pair *pair);

#endif
