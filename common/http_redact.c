/* Redaction of URLs and header lines before they reach a log line.
 * Parameter names are compared as written, without percent-decoding. */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REDACTED "[redacted]"
#define FILTERED "[FILTERED]"

static const char *const secret_parameters[] = {"access_token", "refresh_token", "token"};

static const char *const secret_headers[] = {"authorization", "proxy-authorization"};

/* An output buffer that silently stops at its size and stays terminated. */
struct text_builder {
    char *out;
    size_t size;
    size_t length;
};

static void append_bytes(struct text_builder *builder, const char *bytes, size_t count)
{
    if (builder->size == 0)
        return;

    size_t room = builder->size - 1 - builder->length;
    if (count > room)
        count = room;
    memcpy(builder->out + builder->length, bytes, count);
    builder->length += count;
    builder->out[builder->length] = '\0';
}

static void append_text(struct text_builder *builder, const char *text)
{
    append_bytes(builder, text, strlen(text));
}

static bool is_secret_parameter(const char *name, size_t length)
{
    for (size_t i = 0; i < sizeof(secret_parameters) / sizeof(secret_parameters[0]); i++) {
        if (strlen(secret_parameters[i]) == length &&
            strncasecmp(name, secret_parameters[i], length) == 0)
            return true;
    }
    return false;
}

/* Appends the authority, with any user:password@ part replaced. */
static void append_authority(struct text_builder *builder, const char *authority, size_t length)
{
    const char *at = memchr(authority, '@', length);

    if (at == NULL) {
        append_bytes(builder, authority, length);
        return;
    }
    append_text(builder, REDACTED "@");
    append_bytes(builder, at + 1, length - (size_t)(at + 1 - authority));
}

/* Appends "name=value&name=value", each secret value replaced. */
static void append_query(struct text_builder *builder, const char *query, size_t length)
{
    const char *end = query + length;
    const char *parameter = query;

    while (parameter <= end) {
        const char *next = memchr(parameter, '&', (size_t)(end - parameter));
        if (next == NULL)
            next = end;

        const char *equals = memchr(parameter, '=', (size_t)(next - parameter));
        size_t name_length = (size_t)((equals != NULL ? equals : next) - parameter);

        if (equals != NULL && is_secret_parameter(parameter, name_length)) {
            append_bytes(builder, parameter, name_length + 1);
            append_text(builder, REDACTED);
        } else {
            append_bytes(builder, parameter, (size_t)(next - parameter));
        }

        if (next == end)
            break;
        append_text(builder, "&");
        parameter = next + 1;
    }
}

void http_redact_url(const char *url, char *out, size_t size)
{
    struct text_builder builder = {.out = out, .size = size};

    if (size > 0)
        out[0] = '\0';
    if (url == NULL)
        return;

    const char *scheme_end = strstr(url, "://");
    const char *authority = scheme_end != NULL ? scheme_end + 3 : url;
    size_t authority_length = strcspn(authority, "/?#");
    const char *rest = authority + authority_length;
    size_t path_length = strcspn(rest, "?#");

    append_bytes(&builder, url, (size_t)(authority - url));
    append_authority(&builder, authority, authority_length);
    append_bytes(&builder, rest, path_length);
    rest += path_length;

    if (*rest == '?') {
        size_t query_length = strcspn(rest + 1, "#");
        append_text(&builder, "?");
        append_query(&builder, rest + 1, query_length);
        rest += 1 + query_length;
    }

    /* OAuth's implicit flow puts tokens in the fragment, in query syntax. */
    if (*rest == '#') {
        append_text(&builder, "#");
        append_query(&builder, rest + 1, strlen(rest + 1));
    }
}

void http_redact_header(const char *line, char *out, size_t size)
{
    struct text_builder builder = {.out = out, .size = size};

    if (size > 0)
        out[0] = '\0';
    if (line == NULL)
        return;

    const char *colon = strchr(line, ':');
    if (colon != NULL) {
        size_t name_length = (size_t)(colon - line);
        for (size_t i = 0; i < sizeof(secret_headers) / sizeof(secret_headers[0]); i++) {
            if (strlen(secret_headers[i]) == name_length &&
                strncasecmp(line, secret_headers[i], name_length) == 0) {
                append_bytes(&builder, line, name_length);
                append_text(&builder, ": " FILTERED);
                return;
            }
        }
    }
    append_text(&builder, line);
}
