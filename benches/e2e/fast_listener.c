/* A fast event listener for the end-to-end benches: answers OK to every event as quickly as
 * the protocol allows and appends one line per event ("<eventname> <recv-time-ns>") to the
 * file named by $BENCH_OUT (line-buffered, so the bench can poll it).
 * Payload length: `len` counts characters (4.3's default); bench payloads are ASCII, so it
 * reads `len` bytes, or honours `lenunit:bytes` the same way. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static FILE *out;
static char buf[1 << 20];
static size_t have = 0;

static void stop(int sig) { (void)sig; if (out) fflush(out); _exit(0); }

static int fill(void) {
    ssize_t n = read(0, buf + have, sizeof buf - have);
    if (n <= 0) return -1;
    have += (size_t)n;
    return 0;
}

static void put(const char *s) {
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(1, s, len);
        if (n <= 0) exit(1);
        s += n; len -= (size_t)n;
    }
}

int main(void) {
    const char *path = getenv("BENCH_OUT");
    out = path ? fopen(path, "a") : NULL;
    if (out) setvbuf(out, NULL, _IOLBF, 0); /* readers poll the file while we run */
    signal(SIGTERM, stop);
    put("READY\n");
    for (;;) {
        char *nl;
        while ((nl = memchr(buf, '\n', have)) == NULL) if (fill() < 0) stop(0);
        size_t hlen = (size_t)(nl - buf) + 1;
        char name[128] = "?";
        long len = 0;
        char *p = strstr(buf, "eventname:");
        if (p && p < nl) sscanf(p + 10, "%127s", name);
        p = strstr(buf, " len:");
        if (p && p < nl) len = strtol(p + 5, NULL, 10);
        while (have < hlen + (size_t)len) if (fill() < 0) stop(0);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (out) fprintf(out, "%s %lld\n", name, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        memmove(buf, buf + hlen + len, have - hlen - (size_t)len);
        have -= hlen + (size_t)len;
        put("RESULT 2\nOKREADY\n");
    }
}
