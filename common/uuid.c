#include "uuid.h"

#include <ctype.h>
#include <string.h>

bool uuid_normalize(const char *text, char out[UUID_TEXT_SIZE])
{
    if (text == NULL || strlen(text) != UUID_TEXT_SIZE - 1)
        return false;

    for (int i = 0; i < UUID_TEXT_SIZE - 1; i++) {
        unsigned char c = (unsigned char)text[i];
        bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash_position ? c != '-' : !isxdigit(c))
            return false;
        out[i] = (char)tolower(c);
    }
    out[UUID_TEXT_SIZE - 1] = '\0';
    return true;
}
