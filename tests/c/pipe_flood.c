/* Fills pipes it holds both ends of with more unread bytes than an
 * image's save area holds (944 MiB): 961 pipes of 1 MiB (pipe-max-size),
 * prints "ready", and waits. A failure now cannot keep the bytes, and
 * must be lost with that reason rather than saved without them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PIPES 961
#define MIB (1 << 20)

int main(void)
{
	static char chunk[MIB];
	struct rlimit lim;
	int p[2], i;
	long n, r;

	getrlimit(RLIMIT_NOFILE, &lim);
	lim.rlim_cur = lim.rlim_max;
	setrlimit(RLIMIT_NOFILE, &lim);
	memset(chunk, 'x', sizeof chunk);
	for (i = 0; i < PIPES; i++) {
		if (pipe2(p, O_NONBLOCK) || fcntl(p[1], F_SETPIPE_SZ, MIB) < MIB) {
			printf("pipe %d of 1 MiB: %s\n", i, strerror(errno));
			return 1;
		}
		for (n = 0; n < MIB && (r = write(p[1], chunk + n, MIB - n)) > 0; n += r);
		if (n < MIB) {
			printf("only %ld bytes in pipe %d\n", n, i);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) pause();
}
