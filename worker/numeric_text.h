/*
 * numeric_text: a double as the shortest decimal text that reads back as
 * the same double.
 *
 * Contract: pure functions, no allocation. The text is what PostgreSQL
 * receives for numeric and double precision parameters. PostgreSQL rounds
 * a numeric to the column's scale half away from zero on the decimal it
 * is given, so that decimal must be the shortest one. 1.005 reaches
 * numeric(8,2) as "1.005" and is stored as 1.01, as TeslaMate stores it.
 * The 17-digit expansion "1.0049999999999999" would be stored as 1.00. Values between 1e-7 and 1e21 in magnitude are written in
 * plain positional notation; smaller and larger ones in exponent notation
 * ("1e-08", "1.5e+21"), which numeric and float8 input also accept.
 */
#ifndef TENANTMATE_NUMERIC_TEXT_H
#define TENANTMATE_NUMERIC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Enough for a sign, 17 digits, a point, 7 leading zeros or an exponent. */
#define NUMERIC_TEXT_SIZE 32

/* Write the shortest round-trip text of value into out. Returns false, and
 * writes "", when value is NaN or infinite, which no column accepts. */
bool numeric_text_format(double value, char out[NUMERIC_TEXT_SIZE]);

#endif
