/*
 * srtm_fixture: generated SRTM tiles for tests, so no tile is committed and
 * no test downloads one. The unit and database tests write tiles into a
 * temporary directory; contrib/fake-nominatim serves the same bytes over
 * HTTP (it finds this header through the build's -Itest/unit).
 *
 * Every sample follows srtm_fixture_elevation_m(), except two cells of the
 * first row: column 0 holds the void value -32768 and column 1 the value
 * 12000, above SRTM's 10000 m limit, so both read as no data.
 * Header-only (static inline).
 */
#ifndef TENANTMATE_SRTM_FIXTURE_H
#define TENANTMATE_SRTM_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SRTM_FIXTURE_VOID_SAMPLE (-32768)
#define SRTM_FIXTURE_TOO_HIGH_SAMPLE 12000

/* The generated elevation at (row, column) of the tile whose south-west
 * corner is (tile_latitude, tile_longitude): between 0 and 4999 m, and
 * different for neighbouring tiles. */
static inline int srtm_fixture_elevation_m(int tile_latitude, int tile_longitude, int row,
                                           int column)
{
    int base = (abs(tile_latitude) * 37 + abs(tile_longitude) * 11) % 1000;

    return (base + row * 3 + column) % 5000;
}

/* The sample written at (row, column), no-data cells included. */
static inline int srtm_fixture_sample(int tile_latitude, int tile_longitude, int row, int column)
{
    if (row == 0 && column == 0)
        return SRTM_FIXTURE_VOID_SAMPLE;
    if (row == 0 && column == 1)
        return SRTM_FIXTURE_TOO_HIGH_SAMPLE;
    return srtm_fixture_elevation_m(tile_latitude, tile_longitude, row, column);
}

/* The whole tile as big-endian samples, points x points; the caller frees
 * it. *size gets the byte count. NULL when out of memory. */
static inline uint8_t *srtm_fixture_tile(int tile_latitude, int tile_longitude, int points,
                                         size_t *size)
{
    *size = (size_t)points * (size_t)points * 2;
    uint8_t *bytes = malloc(*size);
    if (bytes == NULL)
        return NULL;

    for (int row = 0; row < points; row++) {
        for (int column = 0; column < points; column++) {
            uint16_t sample =
                (uint16_t)(int16_t)srtm_fixture_sample(tile_latitude, tile_longitude, row, column);
            size_t offset = ((size_t)row * (size_t)points + (size_t)column) * 2;
            bytes[offset] = (uint8_t)(sample >> 8);
            bytes[offset + 1] = (uint8_t)(sample & 0xff);
        }
    }
    return bytes;
}

/* "N52E013" for a south-west corner. */
static inline void srtm_fixture_tile_name(int tile_latitude, int tile_longitude, char name[8])
{
    snprintf(name, 8, "%c%02d%c%03d", tile_latitude >= 0 ? 'N' : 'S', abs(tile_latitude) % 100,
             tile_longitude >= 0 ? 'E' : 'W', abs(tile_longitude) % 1000);
}

/* Writes <directory>/<tile>.hgt with points per side, keeping only the
 * first keep_bytes bytes when keep_bytes is not 0 (a truncated file).
 * Returns false when the file cannot be written. */
static inline bool srtm_fixture_write(const char *directory, int tile_latitude,
                                      int tile_longitude, int points, size_t keep_bytes)
{
    char name[8];
    char path[4096];
    size_t size;

    srtm_fixture_tile_name(tile_latitude, tile_longitude, name);
    snprintf(path, sizeof(path), "%s/%s.hgt", directory, name);
    uint8_t *bytes = srtm_fixture_tile(tile_latitude, tile_longitude, points, &size);
    FILE *file = bytes != NULL ? fopen(path, "wb") : NULL;
    if (file == NULL) {
        free(bytes);
        return false;
    }

    size_t length = keep_bytes != 0 && keep_bytes < size ? keep_bytes : size;
    bool written = fwrite(bytes, 1, length, file) == length;
    written = fclose(file) == 0 && written;
    free(bytes);
    return written;
}

/* The latitude and longitude of the centre of grid cell (row, column) in
 * a tile with points per side: srtm_sample() reads exactly that cell. */
static inline void srtm_fixture_point(int tile_latitude, int tile_longitude, int points, int row,
                                      int column, double *latitude, double *longitude)
{
    *latitude = tile_latitude + 1 - (row + 0.5) / (points - 1);
    *longitude = tile_longitude + (column + 0.5) / (points - 1);
}

#endif
