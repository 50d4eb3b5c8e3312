#include "zq.h"
#include "syscall.h"
#include <errno.h>
#include <fcntl.h>

struct dirent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* n in decimal at to, NUL-terminated, for /proc paths (no printf here:
 * these run in signal handlers); returns the end, at the NUL. */
char *__zq_decimal(char *to, uint64_t n)
{
	uint64_t d = 1;

	while (d <= n / 10) d *= 10;
	for (; d; d /= 10) *to++ = '0' + n / d % 10;
	*to = 0;
	return to;
}

/* Calls fn for every numeric entry of a /proc directory (tasks, fds),
 * reading it with raw system calls: this runs in a signal handler. The
 * directory's own descriptor is passed so that fn can skip it. Returns 0,
 * or the negative errno of the open (EMFILE, say). */
int __zq_each_number(const char *path, void (*fn)(uint64_t, int, void *), void *arg)
{
	char buf[1024];
	long dir = __syscall(SYS_open, path, O_RDONLY|O_DIRECTORY|O_CLOEXEC), n, off;

	if (dir < 0) return dir;
	while ((n = __syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
		for (off = 0; off < n; off += ((struct dirent64 *)(buf + off))->reclen) {
			const char *s = ((struct dirent64 *)(buf + off))->name;
			if (*s >= '0' && *s <= '9') fn(__zq_number(&s, 10), dir, arg);
		}
	}
	__syscall(SYS_close, dir);
	return 0;
}

/* The number of threads the kernel counts in this process (the Threads:
 * line of /proc/self/status), or a negative errno. A listing of
 * /proc/self/task that races with a thread being reaped can end early
 * and skip live threads; a capture checks its listing against this. */
long __zq_thread_total(void)
{
	char buf[2048];
	const char *s;
	long fd = __syscall(SYS_open, "/proc/self/status", O_RDONLY|O_CLOEXEC), n;

	if (fd < 0) return fd;
	n = __syscall(SYS_read, fd, buf, sizeof buf - 1);
	__syscall(SYS_close, fd);
	if (n < 0) return n;
	buf[n] = 0;
	for (s = buf; *s; s++)
		if (*s == '\n' && !__builtin_memcmp(s + 1, "Threads:", 8)) {
			for (s += 9; *s == ' ' || *s == '\t'; s++);
			return __zq_number(&s, 10);
		}
	return -ENOENT;
}
