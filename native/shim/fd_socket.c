#include "fds.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <time.h>

/* Connections the dead process accepted on this port close as it dies;
 * until they are gone (a few milliseconds) the port may still be busy. */
static long bind_again(long fd, const char *addr, uint32_t alen)
{
	struct timespec pause = { 0, 10000000 };
	long r;
	int tries = 300;

	while ((r = sys(SYS_bind, fd, addr, alen)) == -EADDRINUSE && --tries)
		sys(SYS_nanosleep, &pause, 0, 0);
	return r;
}

/* LISTEN: a new socket with the saved options, bound to the same address
 * and listening with the same backlog, so clients can connect again at
 * once. SO_REUSEADDR is set as well: connections of the dead process may
 * linger in TIME_WAIT on that port. A Unix socket's stale file goes. */
int restore_listen(struct zq_header *h, const struct zq_fd *e)
{
	const char *d = saved(h, e);
	uint32_t alen = *(const uint32_t *)d;
	const char *addr = d + 8;
	const struct zq_sockopt *o = (const void *)(addr + ((alen + 7) & -8));
	uint32_t i, n = (e->data_len - 8 - ((alen + 7) & -8)) / sizeof *o;
	long fd = sys(SYS_socket, e->arg[0], e->arg[1] | SOCK_CLOEXEC, e->arg[2]), r;
	int one = 1;

	if (fd < 0) fd_die(e, "cannot make a socket", fd);
	sys6(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0);
	for (i = 0; i < n; i++) {
		int v = o[i].value;
		if (o[i].level == SOL_SOCKET && (o[i].name == SO_RCVBUF || o[i].name == SO_SNDBUF))
			v /= 2; /* the kernel doubles what it is given */
		sys6(SYS_setsockopt, fd, o[i].level, o[i].name, (long)&v, sizeof v, 0);
	}
	if (e->arg[0] == AF_UNIX && alen > 2 && addr[2]) {
		struct stat st;
		const char *path = ((const struct sockaddr_un *)addr)->sun_path;
		if (!sys(SYS_lstat, path, &st, 0) && S_ISSOCK(st.st_mode))
			sys(SYS_unlink, path, 0, 0);
	}
	r = bind_again(fd, addr, alen);
	if (r < 0) fd_die(e, "cannot bind its address again", r);
	if (e->arg[1] == SOCK_STREAM || e->arg[1] == SOCK_SEQPACKET) {
		r = sys(SYS_listen, fd, e->arg[3], 0);
		if (r < 0) fd_die(e, "cannot listen again", r);
	}
	place(e, fd);
	return 0;
}

/* SOCKET: a connection cannot outlive its process. The program gets, at
 * the same number, a socket whose peer has closed: reads see end of file
 * and writes EPIPE, an ordinary disconnect. */
int restore_socket(struct zq_header *h, const struct zq_fd *e)
{
	int sv[2];
	int type = e->arg[1] == SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
	long r = sys4(SYS_socketpair, AF_UNIX, type | SOCK_CLOEXEC, 0, sv);

	(void)h;
	if (r < 0) fd_die(e, "cannot make a socket", r);
	sys(SYS_close, sv[1], 0, 0);
	place(e, sv[0]);
	return 0;
}
