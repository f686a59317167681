#include "numeric_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A double needs at most 17 significant digits to round-trip. */
#define MAX_DIGITS 17

/* Exponents (of the first digit) written positionally; outside this range
 * the text uses exponent notation, as JavaScript's Number#toString does. */
#define MIN_POSITIONAL_EXPONENT (-7)
#define MAX_POSITIONAL_EXPONENT 20

struct decimal {
    char digits[MAX_DIGITS + 1]; /* significant digits, no leading or trailing zeros */
    int count;
    int exponent;                /* value = 0.d1d2d3... x 10^(exponent + 1) */
};

/* Split "%.*e" output such as "1.2345e-07" into digits and exponent. */
static void parse_scientific(const char *text, struct decimal *decimal)
{
    const char *c = text;

    decimal->count = 0;
    for (; *c != '\0' && *c != 'e'; c++) {
        if (*c >= '0' && *c <= '9' && decimal->count < MAX_DIGITS)
            decimal->digits[decimal->count++] = *c;
    }
    decimal->exponent = *c == 'e' ? (int)strtol(c + 1, NULL, 10) : 0;

    while (decimal->count > 1 && decimal->digits[decimal->count - 1] == '0')
        decimal->count--;
    decimal->digits[decimal->count] = '\0';
}

/* Find the fewest significant digits that read back as magnitude. The
 * "%.*e" conversion is correctly rounded, so the first precision that
 * round-trips gives the nearest shortest decimal. */
static void shortest_decimal(double magnitude, struct decimal *decimal)
{
    char text[64];

    for (int precision = 1; precision <= MAX_DIGITS; precision++) {
        snprintf(text, sizeof(text), "%.*e", precision - 1, magnitude);
        if (strtod(text, NULL) == magnitude)
            break;
    }
    parse_scientific(text, decimal);
}

static void append_char(char *out, size_t *length, char c)
{
    if (*length + 1 < NUMERIC_TEXT_SIZE)
        out[(*length)++] = c;
    out[*length] = '\0';
}

static void append_text(char *out, size_t *length, const char *text)
{
    for (; *text != '\0'; text++)
        append_char(out, length, *text);
}

static void write_positional(const struct decimal *decimal, char *out, size_t *length)
{
    int integer_digits = decimal->exponent + 1;

    if (integer_digits <= 0) {
        append_text(out, length, "0.");
        for (int i = 0; i < -integer_digits; i++)
            append_char(out, length, '0');
        append_text(out, length, decimal->digits);
        return;
    }

    for (int i = 0; i < integer_digits; i++)
        append_char(out, length, i < decimal->count ? decimal->digits[i] : '0');
    if (decimal->count > integer_digits) {
        append_char(out, length, '.');
        append_text(out, length, decimal->digits + integer_digits);
    }
}

static void write_exponential(const struct decimal *decimal, char *out, size_t *length)
{
    char exponent[16];

    append_char(out, length, decimal->digits[0]);
    if (decimal->count > 1) {
        append_char(out, length, '.');
        append_text(out, length, decimal->digits + 1);
    }
    snprintf(exponent, sizeof(exponent), "e%c%02d", decimal->exponent < 0 ? '-' : '+',
             abs(decimal->exponent));
    append_text(out, length, exponent);
}

bool numeric_text_format(double value, char out[NUMERIC_TEXT_SIZE])
{
    struct decimal decimal;
    size_t length = 0;

    out[0] = '\0';
    if (!isfinite(value))
        return false;

    if (signbit(value))
        append_char(out, &length, '-');
    if (value == 0) {
        append_char(out, &length, '0');
        return true;
    }

    shortest_decimal(fabs(value), &decimal);
    if (decimal.exponent >= MIN_POSITIONAL_EXPONENT && decimal.exponent <= MAX_POSITIONAL_EXPONENT)
        write_positional(&decimal, out, &length);
    else
        write_exponential(&decimal, out, &length);
    return true;
}
