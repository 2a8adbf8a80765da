/* The physical ceiling for the pool bench (issue 5, issue 8): a minimal C relay doing the
 * daemon's job between the same producer and listeners, and nothing else. It starts the
 * producer (argv[1]) with its stdout on a pipe and N listeners (argv[2], N = argv[3]) with
 * pipes on stdin/stdout; every read from the producer (up to 128 KiB, as supervisord reads)
 * becomes one PROCESS_LOG_STDOUT event in a 10-slot queue that drops the oldest when full;
 * each event goes to a READY listener and the relay waits for its RESULT. After argv[4]
 * seconds it prints "<delivered> <dropped>" and kills everything it started. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QUEUE 10
#define READ_MAX (128 * 1024)
#define MAX_LISTENERS 16

struct event { char *data; size_t len; };
struct listener { pid_t pid; int in, out; int ready; char buf[256]; size_t have; };

static struct event queue[QUEUE];
static int qhead = 0, qlen = 0;
static long serial = 0, delivered = 0, dropped = 0;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t start(const char *cmd, int *in, int *out) {
    int ip[2], op[2];
    if (pipe(ip) || pipe(op)) exit(2);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ip[0], 0);
        dup2(op[1], 1);
        close(ip[0]); close(ip[1]); close(op[0]); close(op[1]);
        execl(cmd, cmd, (char *)NULL);
        _exit(127);
    }
    close(ip[0]);
    close(op[1]);
    *in = ip[1];
    *out = op[0];
    return pid;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) exit(3);
        p += w; n -= (size_t)w;
    }
}

static void push(char *data, size_t len) {
    if (qlen == QUEUE) {
        free(queue[qhead].data);
        qhead = (qhead + 1) % QUEUE;
        qlen--;
        dropped++;
    }
    queue[(qhead + qlen) % QUEUE] = (struct event){data, len};
    qlen++;
}

static void send_to(struct listener *l, pid_t producer) {
    struct event e = queue[qhead];
    qhead = (qhead + 1) % QUEUE;
    qlen--;
    char body[256];
    int blen = snprintf(body, sizeof body, "processname:spew groupname:spew pid:%d channel:stdout\n", (int)producer);
    char header[256];
    serial++;
    int hlen = snprintf(header, sizeof header,
        "ver:3.0 server:supervisor serial:%ld pool:bench poolserial:%ld eventname:PROCESS_LOG_STDOUT len:%zu\n",
        serial, serial, (size_t)blen + e.len);
    write_all(l->in, header, (size_t)hlen);
    write_all(l->in, body, (size_t)blen);
    write_all(l->in, e.data, e.len);
    free(e.data);
    l->ready = 0;
}

/* Consumes "READY\n" and "RESULT n\n<n bytes>" from a listener's output. */
static void on_output(struct listener *l) {
    ssize_t r = read(l->out, l->buf + l->have, sizeof l->buf - l->have);
    if (r <= 0) exit(4);
    l->have += (size_t)r;
    for (;;) {
        if (l->have >= 6 && memcmp(l->buf, "READY\n", 6) == 0) {
            l->ready = 1;
            memmove(l->buf, l->buf + 6, l->have - 6);
            l->have -= 6;
            continue;
        }
        char *nl = memchr(l->buf, '\n', l->have);
        if (l->have >= 7 && memcmp(l->buf, "RESULT ", 7) == 0 && nl) {
            size_t n = (size_t)strtoul(l->buf + 7, NULL, 10);
            size_t total = (size_t)(nl - l->buf) + 1 + n;
            if (l->have < total) return;
            delivered++;
            memmove(l->buf, l->buf + total, l->have - total);
            l->have -= total;
            continue;
        }
        return;
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: relay PRODUCER LISTENER N SECONDS\n");
        return 2;
    }
    int n = atoi(argv[3]);
    if (n < 1 || n > MAX_LISTENERS) return 2;
    double secs = atof(argv[4]);
    signal(SIGPIPE, SIG_IGN);
    struct listener ls[MAX_LISTENERS];
    memset(ls, 0, sizeof ls);
    for (int i = 0; i < n; i++) ls[i].pid = start(argv[2], &ls[i].in, &ls[i].out);
    int pin, pout;
    pid_t producer = start(argv[1], &pin, &pout);
    close(pin);
    double end = now() + secs;
    struct pollfd fds[MAX_LISTENERS + 1];
    while (now() < end) {
        for (int i = 0; i < n; i++) fds[i] = (struct pollfd){ls[i].out, POLLIN, 0};
        fds[n] = (struct pollfd){pout, POLLIN, 0};
        if (poll(fds, (nfds_t)n + 1, 100) < 0 && errno != EINTR) return 5;
        for (int i = 0; i < n; i++)
            if (fds[i].revents) on_output(&ls[i]);
        if (fds[n].revents) {
            char *data = malloc(READ_MAX);
            ssize_t r = read(pout, data, READ_MAX);
            if (r <= 0) { free(data); break; }
            push(data, (size_t)r);
        }
        for (int i = 0; i < n && qlen > 0; i++)
            if (ls[i].ready) send_to(&ls[i], producer);
    }
    printf("%ld %ld\n", delivered, dropped);
    fflush(stdout);
    kill(producer, SIGKILL);
    for (int i = 0; i < n; i++) kill(ls[i].pid, SIGKILL);
    while (wait(NULL) > 0) {}
    return 0;
}
