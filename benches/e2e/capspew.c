/* Capture-mode load generator for the fleet bench: writes N blocks
 * <!--XSUPERVISOR:BEGIN-->I NANOS<!--XSUPERVISOR:END-->\n to stdout (each one
 * PROCESS_COMMUNICATION_STDOUT event; NANOS is CLOCK_REALTIME when written), PAUSE_US
 * microseconds apart (0: as fast as the pipe takes them), then sleeps (or exits with
 * a third argument). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    long pause_us = argc > 2 ? atol(argv[2]) : 0;
    int stay = argc <= 3;
    char buf[128];
    for (long i = 0; i < n; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int len = snprintf(buf, sizeof buf, "<!--XSUPERVISOR:BEGIN-->%ld %lld<!--XSUPERVISOR:END-->\n",
                           i, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        const char *p = buf;
        while (len > 0) {
            ssize_t w = write(1, p, (size_t)len);
            if (w < 0) return 1;
            p += w;
            len -= (int)w;
        }
        if (pause_us > 0) usleep((useconds_t)pause_us);
    }
    while (stay) pause();
    return 0;
}
