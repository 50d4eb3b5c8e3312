/* A socketpair whose queue is larger than the runtime's 3 MiB scratch
 * area (the program forced its send buffer, as root may): every byte
 * comes back, in order, or the failure is not saved at all. */
#include "check.h"
#include <fcntl.h>
#include <sys/socket.h>

#define QUEUED (5 << 20)

static unsigned char at(long i) { return (unsigned char)(i * 7 + (i >> 12)); }

int main(void)
{
	static unsigned char buf[1 << 16];
	int sv[2], size = 16 << 20;
	long queued = 0, got = 0, n, i;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size))
		size = 0; /* without the privilege the queue stays below wmem_max */
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	while (queued < QUEUED) {
		for (i = 0; i < (long)sizeof buf; i++) buf[i] = at(queued + i);
		n = write(sv[0], buf, sizeof buf);
		if (n <= 0) break;
		queued += n;
	}
	CHECK(!size || queued == QUEUED, "queued only %ld bytes", queued);
	hold(1.2);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	while (got < queued && (n = read(sv[1], buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] != at(got + i)) {
				CHECK(0, "byte %ld differs", got + i);
				return verdict();
			}
		got += n;
	}
	CHECK(got == queued, "read back %ld of %ld bytes", got, queued);
	return verdict();
}
