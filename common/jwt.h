/*
 * jwt: read the claims of a JSON Web Token without verifying it.
 *
 * Contract: tenantmate never trusts these claims for security; it reads
 * them only to learn where a Tesla token came from (`iss`) and when it
 * expires (`exp`). The token text is not copied or logged. The returned
 * cJSON object is the caller's to cJSON_Delete().
 */
#ifndef TENANTMATE_JWT_H
#define TENANTMATE_JWT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* NULL when the token is not three dot-separated parts whose middle part
 * is base64url (or standard base64) JSON. */
cJSON *jwt_claims(const char *token);

/* The `exp` claim in epoch seconds; false when absent or not a number. */
bool jwt_expiry(const char *token, int64_t *expires_at_s);

#endif
