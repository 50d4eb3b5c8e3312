#include "zq.h"
#include "syscall.h"
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

/* Sockets: what socket(2) is given, in struct zq_fd_listen or
 * zq_fd_socket. A listening socket (or a bound datagram socket) is LISTEN,
 * with its backlog; its data is a zq_listen_head, the address (padded to 8
 * bytes), then zq_sockopt entries for the options worth setting again. Any other
 * socket is SOCKET: a connection cannot outlive its process, so it comes
 * back as one whose peer has closed, unless it is a Unix socket whose
 * other end the program holds too (fd_unix.c). */

/* The backlog table has file space for the first descriptors; a higher
 * one takes its page first, or goes unrecorded (it comes back with the
 * default backlog) rather than risk a SIGBUS. */
void __zq_listened(int fd, int backlog)
{
	uint64_t off = ZQ_BACKLOG_OFF + (uint64_t)fd * 4;

	if (!__zq_ctx || fd < 0 || (unsigned)fd >= ZQ_FDS_CAP) return;
	if (off >= ZQ_BACKLOG_OFF + ZQ_RESERVE_CHUNK
	    && __zq_reserve_context(off & -ZQ_PAGE, ZQ_PAGE))
		return;
	((int32_t *)((char *)__zq_ctx + ZQ_BACKLOG_OFF))[fd] = backlog;
}

static int opt(int fd, int level, int name)
{
	int v = 0;
	unsigned len = sizeof v;
	return __syscall(SYS_getsockopt, fd, level, name, &v, &len) ? -1 : v;
}

static const struct { int level, name; } kept[] = {
	{ SOL_SOCKET, SO_REUSEADDR }, { SOL_SOCKET, SO_REUSEPORT },
	{ SOL_SOCKET, SO_KEEPALIVE }, { SOL_SOCKET, SO_RCVBUF },
	{ SOL_SOCKET, SO_SNDBUF }, { IPPROTO_TCP, TCP_NODELAY },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT }, { IPPROTO_IPV6, IPV6_V6ONLY },
};

/* Only options that differ from a new socket's are set again: setting a
 * buffer size, even to its default, turns off the kernel's tuning of it,
 * and a connection with a small fixed send buffer stalls on every large
 * reply (Nagle against delayed ACKs: 40 ms each). */
static void save_listener(struct zq_fd *e, const void *addr, unsigned alen)
{
	const struct zq_fd_listen *s = &e->arg.listen;
	struct zq_sockopt o[sizeof kept / sizeof *kept];
	struct zq_listen_head head = { alen, 0 };
	uint32_t i, n = 0;
	long fresh = __syscall(SYS_socket, s->domain, s->type | SOCK_CLOEXEC, s->protocol);
	uint64_t first;

	for (i = 0; i < sizeof kept / sizeof *kept; i++) {
		int v;
		if (kept[i].level == IPPROTO_TCP && s->protocol != IPPROTO_TCP) continue;
		if (kept[i].level == IPPROTO_IPV6 && s->domain != AF_INET6) continue;
		if ((v = opt(e->fd, kept[i].level, kept[i].name)) < 0) continue;
		if (fresh >= 0 && v == opt(fresh, kept[i].level, kept[i].name)) continue;
		o[n++] = (struct zq_sockopt){ kept[i].level, kept[i].name, v, 0 };
	}
	if (fresh >= 0) __syscall(SYS_close, fresh);
	first = __zq_save_bytes(&head, sizeof head);
	if (first == (uint64_t)-1 || __zq_save_bytes(addr, alen) == (uint64_t)-1
	    || __zq_save_bytes(o, n * sizeof *o) == (uint64_t)-1)
		return; /* the save is short of space, and lost */
	e->data_off = first;
	e->data_len = zq_listen_opts(alen) + n * sizeof *o;
}

void __zq_save_socket(struct zq_fd *e)
{
	char addr[128];
	unsigned alen = sizeof addr;
	int32_t backlog = (unsigned)e->fd < ZQ_FDS_CAP
		? ((int32_t *)((char *)__zq_ctx + ZQ_BACKLOG_OFF))[e->fd] : 0;
	int listening = opt(e->fd, SOL_SOCKET, SO_ACCEPTCONN) == 1;
	struct zq_fd_socket *s = &e->arg.socket;

	e->kind = ZQ_FD_SOCKET;
	s->domain = opt(e->fd, SOL_SOCKET, SO_DOMAIN);
	s->type = opt(e->fd, SOL_SOCKET, SO_TYPE);
	s->protocol = opt(e->fd, SOL_SOCKET, SO_PROTOCOL);
	if (__syscall(SYS_getsockname, e->fd, addr, &alen)) return;
	if (!listening && s->type == SOCK_DGRAM) {
		char peer[128];
		unsigned plen = sizeof peer;
		listening = __syscall(SYS_getpeername, e->fd, peer, &plen) != 0
			&& alen > sizeof(sa_family_t);
	}
	if (!listening) {
		/* The connection ends with the process: end it with a reset,
		 * so it leaves no TIME_WAIT holding the port its listener must
		 * bind again on resume. */
		struct linger now = { 1, 0 };
		if (s->type == SOCK_STREAM && s->domain != AF_UNIX)
			__syscall(SYS_setsockopt, e->fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
		if (s->domain == AF_UNIX) __zq_save_unix(e);
		return;
	}
	e->kind = ZQ_FD_LISTEN;
	e->arg.listen.backlog = backlog > 0 ? backlog : SOMAXCONN;
	save_listener(e, addr, alen);
}
