/*
 * uuid: validation of tenant ids given as text.
 *
 * Contract: accepts the canonical 8-4-4-4-12 hexadecimal form in either
 * case and writes it lower-case, which is how PostgreSQL prints a uuid.
 */
#ifndef TENANTMATE_UUID_H
#define TENANTMATE_UUID_H

#include <stdbool.h>

#define UUID_TEXT_SIZE 37

bool uuid_normalize(const char *text, char out[UUID_TEXT_SIZE]);

#endif
