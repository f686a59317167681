#include "token_input.h"

#include "log.h"
#include "vault.h"

#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define TOKEN_MAX_BYTES 16384

/* Read one line without its line ending; NULL at end of input. */
static char *read_line(FILE *input)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length = getline(&line, &capacity, input);

    if (length < 0) {
        free(line);
        return NULL;
    }
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
        line[--length] = '\0';
    return line;
}

static void free_line(char *line)
{
    if (line != NULL)
        vault_free_secret(line, strlen(line));
}

static bool valid_token(const char *line, const char *what)
{
    if (line == NULL || *line == '\0') {
        log_error("missing %s token: standard input must hold two lines, the access token "
                  "then the refresh token", what);
        return false;
    }
    if (strlen(line) > TOKEN_MAX_BYTES) {
        log_error("%s token is longer than %d bytes: check that standard input contains only "
                  "the two tokens", what, TOKEN_MAX_BYTES);
        return false;
    }
    for (const char *c = line; *c != '\0'; c++) {
        if ((unsigned char)*c <= ' ' || *c == 0x7f) {
            log_error("%s token contains a space or control character: paste the token alone "
                      "on its line", what);
            return false;
        }
    }
    return true;
}

static bool rest_is_empty(FILE *input)
{
    char *line;
    bool empty = true;

    while ((line = read_line(input)) != NULL) {
        if (*line != '\0')
            empty = false;
        free_line(line);
    }
    return empty;
}

static bool read_pair(FILE *input, struct token_pair *pair, bool prompt)
{
    if (prompt)
        fputs("access token: ", stderr);
    pair->access = read_line(input);
    if (!valid_token(pair->access, "access"))
        return false;

    if (prompt)
        fputs("\nrefresh token: ", stderr);
    pair->refresh = read_line(input);
    if (prompt)
        fputs("\n", stderr);
    if (!valid_token(pair->refresh, "refresh"))
        return false;

    if (!prompt && !rest_is_empty(input)) {
        log_error("standard input contains more than two lines: give only the access token "
                  "and the refresh token");
        return false;
    }
    return true;
}

bool token_pair_read(FILE *input, struct token_pair *pair)
{
    struct termios saved;
    bool terminal = isatty(fileno(input)) && tcgetattr(fileno(input), &saved) == 0;

    memset(pair, 0, sizeof(*pair));
    if (terminal) {
        struct termios quiet = saved;

        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(input), TCSAFLUSH, &quiet);
    }

    bool ok = read_pair(input, pair, terminal);

    if (terminal)
        tcsetattr(fileno(input), TCSAFLUSH, &saved);
    if (!ok)
        token_pair_free(pair);
    return ok;
}

void token_pair_free(struct token_pair *pair)
{
    free_line(pair->access);
    free_line(pair->refresh);
    pair->access = NULL;
    pair->refresh = NULL;
}
