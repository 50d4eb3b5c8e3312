/* A program that closes what it inherited, every way programs do it:
 * close_range, a close loop to 65535, dup2 onto high numbers, and the
 * same calls as raw system call instructions. The runtime's own
 * descriptors (image directory, lock, arena) must survive all of it and
 * be invisible: memory is still mapped and the failure saved as usual. It prints "closed",
 * waits for end of file on stdin, and holds a pipe through the failure. */
#include "check.h"
#include <fcntl.h>
#include <sys/syscall.h>

static long raw(long n, long a, long b)
{
	long r;
	__asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

/* Descriptors that still look open and are the image's: its lock, its
 * arena, its directory. (A resume may bring the resuming launcher's own
 * inherited descriptors, so the count of open ones is not the test.) */
static int image_fds(void)
{
	char path[32], link[256];
	int fd, n = 0;

	for (fd = 3; fd < 65536; fd++) {
		if (fcntl(fd, F_GETFD) < 0) continue;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		memset(link, 0, sizeof link);
		readlink(path, link, sizeof link - 1);
		if (strstr(link, "/lock") || strstr(link, "/regions/arena") || !faccessat(fd, "context", F_OK, 0)) {
			printf("descriptor %d is the image's: %s\n", fd, link);
			n++;
		}
	}
	return n;
}

int main(void)
{
	int p[2], fd, moved = 0, refused = 0;
	char buf[16] = {0};

	CHECK(syscall(SYS_close_range, 3, ~0U, 0) == 0, "close_range: %s", strerror(errno));
	for (fd = 3; fd < 65536; fd++) close(fd);
	for (fd = 1000; fd < 1024; fd++) {
		if (dup2(1, fd) == fd) moved++;
		else refused += errno == EBADF;
		if (dup3(1, fd, O_CLOEXEC) != fd && errno != EBADF) CHECK(0, "dup3 onto %d: %s", fd, strerror(errno));
		if (syscall(SYS_dup2, 1, fd) != fd && errno != EBADF) CHECK(0, "syscall dup2 onto %d: %s", fd, strerror(errno));
		if (raw(SYS_dup2, 1, fd) != fd) refused++;
	}
	for (fd = 3; fd < 65536; fd++) {
		syscall(SYS_close, fd);
		raw(SYS_close, fd, 0);
	}
	raw(SYS_close_range, 3, ~0U);
	CHECK(image_fds() == 0, "the image's descriptors are visible");
	CHECK(fcntl(1, F_DUPFD, 1000) >= 1000, "F_DUPFD: %s", strerror(errno));
	for (fd = 3; fd < 65536; fd++) close(fd);

	/* The runtime still maps memory (it takes file space through the
	 * arena's descriptor) and still owns the image directory. */
	char *big = malloc(64 << 20);
	CHECK(big, "malloc after the closes: %s", strerror(errno));
	if (big) memset(big, 1, 64 << 20);
	free(big);

	pipe(p);
	write(p[1], "kept", 4);
	printf("closed\n");
	errno = 0;
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0 || errno == EINTR) errno = 0;
	hold(1.2);
	CHECK(read(p[0], buf, sizeof buf) == 4 && !memcmp(buf, "kept", 4), "pipe: '%s'", buf);
	return verdict();
}
