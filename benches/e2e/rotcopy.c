/* The ceiling of the child-log scenario: what the daemon does to a child's output, with
 * nothing else. Copies stdin to FILE in reads of up to 128 KiB and rotates FILE as supervisor
 * rotates a child log: once it holds MAXBYTES or more, FILE.(n-1) becomes FILE.n down to
 * FILE becoming FILE.1 (each destination removed first, as 4.3 does), keeping BACKUPS old
 * files, and a new FILE is opened. Like the daemon, it grows the pipe to 1 MiB once a read
 * finds the default 64 KiB full.
 *   rotcopy FILE MAXBYTES BACKUPS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    const char *path = argv[1];
    long long max = atoll(argv[2]);
    int backups = atoi(argv[3]);
    static char buf[128 * 1024];
    char from[4096], to[4096];
    int fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0644);
    if (fd < 0) return 1;
    long long size = 0;
    int grown = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) return 1;
        if (!grown && n >= 65536) {
            grown = 1;
            fcntl(0, F_SETPIPE_SZ, 1024 * 1024);
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w <= 0) return 1;
            off += w;
        }
        size += n;
        if (size >= max && backups > 0) {
            close(fd);
            for (int i = backups - 1; i >= 1; i--) {
                snprintf(from, sizeof from, "%s.%d", path, i);
                snprintf(to, sizeof to, "%s.%d", path, i + 1);
                unlink(to);
                rename(from, to);
            }
            snprintf(to, sizeof to, "%s.1", path);
            unlink(to);
            rename(path, to);
            fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            if (fd < 0) return 1;
            size = 0;
        }
    }
}
