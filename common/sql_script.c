#include "sql_script.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void sql_script_init(struct sql_script *script, const char *text, size_t length)
{
    script->text = text;
    script->length = length;
    script->offset = 0;
    script->line = 1;
}

static char peek(const struct sql_script *script, size_t ahead)
{
    size_t position = script->offset + ahead;

    return position < script->length ? script->text[position] : '\0';
}

static void advance(struct sql_script *script, size_t count)
{
    for (size_t i = 0; i < count && script->offset < script->length; i++) {
        if (script->text[script->offset] == '\n')
            script->line++;
        script->offset++;
    }
}

static void skip_line_comment(struct sql_script *script)
{
    while (script->offset < script->length && peek(script, 0) != '\n')
        advance(script, 1);
}

static void skip_block_comment(struct sql_script *script)
{
    int depth = 0;

    while (script->offset < script->length) {
        if (peek(script, 0) == '/' && peek(script, 1) == '*') {
            depth++;
            advance(script, 2);
        } else if (peek(script, 0) == '*' && peek(script, 1) == '/') {
            advance(script, 2);
            if (--depth == 0)
                return;
        } else {
            advance(script, 1);
        }
    }
}

/* Quoted text ends at an unpaired quote; a doubled quote stays inside, and
 * in E'' strings a backslash escapes the next character. */
static void skip_quoted(struct sql_script *script, char quote, bool backslash_escapes)
{
    advance(script, 1);
    while (script->offset < script->length) {
        char c = peek(script, 0);

        if (backslash_escapes && c == '\\') {
            advance(script, 2);
        } else if (c == quote && peek(script, 1) == quote) {
            advance(script, 2);
        } else if (c == quote) {
            advance(script, 1);
            return;
        } else {
            advance(script, 1);
        }
    }
}

/* The length of a dollar-quote tag ($$ or $name$) starting here, or 0. */
static size_t dollar_tag_length(const struct sql_script *script)
{
    size_t length = 1;

    while (true) {
        char c = peek(script, length);

        if (c == '$')
            return length + 1;
        if (!(isalnum((unsigned char)c) || c == '_'))
            return 0;
        if (length == 1 && isdigit((unsigned char)c))
            return 0;
        length++;
    }
}

static void skip_dollar_quoted(struct sql_script *script, size_t tag_length)
{
    const char *tag = script->text + script->offset;

    advance(script, tag_length);
    while (script->offset < script->length) {
        if (script->length - script->offset >= tag_length &&
            memcmp(script->text + script->offset, tag, tag_length) == 0) {
            advance(script, tag_length);
            return;
        }
        advance(script, 1);
    }
}

/* A word character before '$' makes it part of an identifier or a
 * positional parameter, not the start of a dollar quote. */
static bool starts_dollar_quote(const struct sql_script *script)
{
    if (script->offset > 0) {
        char before = script->text[script->offset - 1];

        if (isalnum((unsigned char)before) || before == '_')
            return false;
    }
    return dollar_tag_length(script) > 0;
}

static bool starts_escape_string(const struct sql_script *script)
{
    char c = peek(script, 0);

    if ((c != 'E' && c != 'e') || peek(script, 1) != '\'')
        return false;
    if (script->offset == 0)
        return true;

    char before = script->text[script->offset - 1];
    return !(isalnum((unsigned char)before) || before == '_');
}

/* Move past one lexical element; returns true when it was a top-level ';'. */
static bool step(struct sql_script *script, bool *has_content)
{
    char c = peek(script, 0);

    if (c == '-' && peek(script, 1) == '-') {
        skip_line_comment(script);
        return false;
    }
    if (c == '/' && peek(script, 1) == '*') {
        skip_block_comment(script);
        return false;
    }
    if (c == ';') {
        advance(script, 1);
        return true;
    }

    if (!isspace((unsigned char)c))
        *has_content = true;

    if (starts_escape_string(script)) {
        advance(script, 1);
        skip_quoted(script, '\'', true);
    } else if (c == '\'' || c == '"') {
        skip_quoted(script, c, false);
    } else if (c == '$' && starts_dollar_quote(script)) {
        skip_dollar_quoted(script, dollar_tag_length(script));
    } else {
        advance(script, 1);
    }
    return false;
}

static void skip_blanks_and_comments(struct sql_script *script)
{
    while (script->offset < script->length) {
        char c = peek(script, 0);

        if (isspace((unsigned char)c))
            advance(script, 1);
        else if (c == '-' && peek(script, 1) == '-')
            skip_line_comment(script);
        else if (c == '/' && peek(script, 1) == '*')
            skip_block_comment(script);
        else
            return;
    }
}

bool sql_script_next(struct sql_script *script, struct sql_statement *statement)
{
    while (script->offset < script->length) {
        skip_blanks_and_comments(script);

        size_t start = script->offset;
        int first_line = script->line;
        bool has_content = false;
        bool terminated = false;

        while (script->offset < script->length && !terminated)
            terminated = step(script, &has_content);

        if (!has_content)
            continue;

        size_t end = terminated ? script->offset - 1 : script->offset;
        statement->text = strndup(script->text + start, end - start);
        statement->first_line = first_line;
        return statement->text != NULL;
    }
    return false;
}

void sql_statement_free(struct sql_statement *statement)
{
    free(statement->text);
    statement->text = NULL;
}
