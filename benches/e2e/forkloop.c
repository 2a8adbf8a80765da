/* The physical ceiling for the restart storm (issue 8, scenario 6): keeps argv[2] children of
 * /bin/true in flight for argv[1] seconds (fork, exec, wait for any, start another, as the
 * daemon does with 50 autorestarting programs) and prints the restarts per second. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void start(void) {
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    if (pid < 0) exit(2);
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 5;
    int inflight = argc > 2 ? atoi(argv[2]) : 50;
    for (int i = 0; i < inflight; i++) start();
    double t0 = now(), end = t0 + secs;
    long done = 0;
    while (now() < end) {
        if (wait(NULL) > 0) {
            done++;
            start();
        }
    }
    double elapsed = now() - t0;
    while (wait(NULL) > 0) {}
    printf("%.1f\n", done / elapsed);
    return 0;
}
