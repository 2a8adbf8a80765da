/* A producer for the end-to-end benches: writes chunks of 64 lines to stdout, one write per
 * chunk, $SPEW_CHUNKS times (default: forever), then sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char chunk[64 * 64];
    size_t len = 0;
    for (int i = 0; i < 64; i++) len += (size_t)snprintf(chunk + len, sizeof chunk - len, "line %02d of a sixty-four line chunk from the producer ..........\n", i);
    const char *n = getenv("SPEW_CHUNKS");
    long chunks = n ? atol(n) : -1;
    for (long c = 0; chunks < 0 || c < chunks; c++) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(1, chunk + off, len - off);
            if (w <= 0) return 1;
            off += (size_t)w;
        }
    }
    for (;;) pause();
}
