/* A program at its descriptor limit: soft RLIMIT_NOFILE lowered to 64 and
 * every number below it taken. The capture needs descriptors of its own
 * (/proc/self/task, /proc/self/fd, the image's files), and must still
 * save the program, with all of its own descriptors. */
#include "check.h"
#include <fcntl.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit lim;
	int fds[64], n = 0, i, fd;

	getrlimit(RLIMIT_NOFILE, &lim);
	lim.rlim_cur = 64;
	if (setrlimit(RLIMIT_NOFILE, &lim)) return 1;
	while (n < 64 && (fd = open("/dev/null", O_RDONLY)) >= 0) fds[n++] = fd;
	CHECK(n > 0 && n < 64 && errno == EMFILE, "opened %d, then errno %d", n, errno);
	hold(1.2);
	for (i = 0; i < n; i++) CHECK(fcntl(fds[i], F_GETFD) >= 0, "descriptor %d is gone", fds[i]);
	return verdict();
}
