/* A producer that costs almost nothing, for the child-log scenario: $SPEW_BYTES bytes of
 * 128-byte lines to stdout, in vmsplice(2) calls of up to 64 KiB from one constant buffer
 * (plain write(2) when stdout is not a pipe). Then it creates the file $SPEW_DONE if set, and
 * exits if $SPEW_EXIT is set, else sleeps so that the daemon sees no exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK 65536
static char buf[CHUNK] __attribute__((aligned(4096)));

int main(void) {
    for (int i = 0; i < CHUNK; i += 128) {
        memset(buf + i, 'x', 127);
        buf[i + 127] = '\n';
    }
    const char *b = getenv("SPEW_BYTES");
    long long total = b ? atoll(b) : 0, done = 0;
    int use_write = 0;
    while (done < total) {
        size_t pos = (size_t)(done % CHUNK);
        size_t n = CHUNK - pos;
        if ((long long)n > total - done) n = (size_t)(total - done);
        ssize_t w;
        if (!use_write) {
            struct iovec iov = {buf + pos, n};
            w = vmsplice(1, &iov, 1, 0);
            if (w < 0 && (errno == EBADF || errno == EINVAL)) {
                use_write = 1;
                continue;
            }
        } else {
            w = write(1, buf + pos, n);
        }
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 1;
        done += w;
    }
    const char *d = getenv("SPEW_DONE");
    if (d) close(open(d, O_CREAT | O_WRONLY, 0644));
    if (getenv("SPEW_EXIT")) return 0;
    for (;;) pause();
}
