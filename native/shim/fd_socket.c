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
	const struct zq_fd_listen *s = &e->arg.listen;
	const char *d = saved(h, e);
	uint32_t alen = ((const struct zq_listen_head *)d)->addr_len;
	const char *addr = d + sizeof(struct zq_listen_head);
	const struct zq_sockopt *o = (const void *)(d + zq_listen_opts(alen));
	uint32_t i, n = (e->data_len - zq_listen_opts(alen)) / sizeof *o;
	long fd = sys(SYS_socket, s->domain, s->type | SOCK_CLOEXEC, s->protocol), r;
	int one = 1;

	if (fd < 0) fd_die(e, "cannot make a socket", fd);
	sys6(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0);
	for (i = 0; i < n; i++) {
		int v = o[i].value;
		if (o[i].level == SOL_SOCKET && (o[i].name == SO_RCVBUF || o[i].name == SO_SNDBUF))
			v /= 2; /* the kernel doubles what it is given */
		sys6(SYS_setsockopt, fd, o[i].level, o[i].name, (long)&v, sizeof v, 0);
	}
	if (s->domain == AF_UNIX && alen > 2 && addr[2]) {
		struct stat st;
		const char *path = ((const struct sockaddr_un *)addr)->sun_path;
		if (!sys(SYS_lstat, path, &st, 0) && S_ISSOCK(st.st_mode))
			sys(SYS_unlink, path, 0, 0);
	}
	r = bind_again(fd, addr, alen);
	if (r < 0) fd_die(e, "cannot bind its address again", r);
	if (s->type == SOCK_STREAM || s->type == SOCK_SEQPACKET) {
		r = sys(SYS_listen, fd, s->backlog, 0);
		if (r < 0) fd_die(e, "cannot listen again", r);
	}
	place(e, fd);
	return 0;
}

/* Send a saved receive queue into the end that feeds it: a stream's
 * bytes at once, a datagram or seqpacket queue message by message. */
static void refill(const struct zq_fd *e, const char *d, uint32_t len, long to)
{
	int stream = e->arg.socket.type == SOCK_STREAM, size = 2 * len;
	uint32_t off = 0, n;
	long r;

	/* A queue the program grew past wmem_max (SO_SNDBUFFORCE) needs the
	 * same privilege to come back; SO_SNDBUF alone stops at wmem_max. */
	if (len > 65536 && sys6(SYS_setsockopt, to, SOL_SOCKET, SO_SNDBUFFORCE, (long)&size, sizeof size, 0))
		sys6(SYS_setsockopt, to, SOL_SOCKET, SO_SNDBUF, (long)&size, sizeof size, 0);
	while (off < len) {
		if (stream) {
			n = len - off;
		} else {
			if (len - off < 4) break;
			memcpy(&n, d + off, 4);
			off += 4;
			if (n > len - off) break;
		}
		r = sys6(SYS_sendto, to, (long)(d + off), n, MSG_DONTWAIT|MSG_NOSIGNAL, 0, 0);
		if (r < 0 || (!stream && r != n)) fd_die(e, "cannot write its unread bytes back", r < 0 ? r : -5);
		off += r;
		if (stream && !r) fd_die(e, "cannot write its unread bytes back", -5);
	}
	if (off != len) fd_die(e, "has unread bytes that do not parse", 0);
}

static const struct zq_fd *entry_of(struct zq_header *h, int fd)
{
	const struct zq_fd *all = ZQ_FDS(h);
	uint32_t i;

	for (i = 0; i < h->fd_count; i++)
		if (all[i].fd == fd && all[i].kind == ZQ_FD_SOCKET) return &all[i];
	return 0;
}

/* SOCKET: a connection cannot outlive its process. A Unix socket whose
 * other end the program holds comes back as a new pair (made by the lower
 * end's entry), each end with the bytes it had not read. Any other gets,
 * at the same number, a socket whose peer has closed once it has read its
 * unread bytes: reads then see end of file and writes EPIPE, an ordinary
 * disconnect. */
int restore_socket(struct zq_header *h, const struct zq_fd *e)
{
	const struct zq_fd *w = e->peer >= 0 ? entry_of(h, e->peer) : 0;
	int sv[2];
	uint64_t t = e->arg.socket.type;
	int type = t == SOCK_DGRAM || t == SOCK_SEQPACKET ? t : SOCK_STREAM;
	long r;

	if (w && w->fd < e->fd) return 0;
	r = sys4(SYS_socketpair, AF_UNIX, type | SOCK_CLOEXEC, 0, sv);
	if (r < 0) fd_die(e, "cannot make a socket", r);
	sv[0] = lift(sv[0]);
	sv[1] = lift(sv[1]);
	if (e->data_len) refill(e, saved(h, e), e->data_len, sv[1]);
	if (w && w->data_len) refill(w, saved(h, w), w->data_len, sv[0]);
	if (w) {
		place(e, sv[0]);
		place(w, sv[1]);
	} else {
		sys(SYS_close, sv[1], 0, 0);
		place(e, sv[0]);
	}
	return 0;
}
