#include "zq.h"
#include "syscall.h"
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <string.h>
#include <errno.h>

/* A connected Unix socket whose other end the program also holds (a
 * socketpair, or both ends of a connection to its own listener) comes
 * back as a pair with the bytes each end had not read yet. peer_ino: the
 * peer's inode, which the kernel's sock_diag tells; peer: the descriptor
 * holding it, once every descriptor is saved; data: the unread bytes, for
 * a datagram or seqpacket socket each message as a uint32 length and its
 * bytes. The bytes are peeked, not read: a save given up leaves the
 * program its data. */

#define NETLINK_SOCK_DIAG 4
#define SOCK_DIAG_BY_FAMILY 20
#define NLM_F_REQUEST 1
#define NLMSG_ERROR 2
#define UDIAG_SHOW_PEER 4
#define UNIX_DIAG_PEER 2

struct diag_req {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
	uint8_t family, protocol;
	uint16_t pad;
	uint32_t states, ino, show, cookie[2];
};

struct diag_msg {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
	uint8_t family, type_, state, pad;
	uint32_t ino, cookie[2];
};

static uint32_t peer_inode(uint32_t ino)
{
	struct diag_req q = {
		sizeof q, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, 0,
		AF_UNIX, 0, 0, -1, ino, UDIAG_SHOW_PEER, { -1, -1 },
	};
	uint32_t buf[256], peer = 0;
	struct diag_msg *m = (void *)buf;
	long n, nl = __syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM|SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	const char *a;

	if (nl < 0) return 0;
	if (__syscall(SYS_sendto, nl, &q, sizeof q, 0, 0, 0) == sizeof q
	    && (n = __syscall(SYS_recvfrom, nl, buf, sizeof buf, 0, 0, 0)) > (long)sizeof *m
	    && m->type == SOCK_DIAG_BY_FAMILY && m->len <= n) {
		/* Attributes follow: uint16 length (header included), uint16 type. */
		for (a = (char *)(m + 1); a + 4 <= (char *)buf + m->len; ) {
			uint16_t alen, atype;
			memcpy(&alen, a, 2);
			memcpy(&atype, a + 2, 2);
			if (alen < 4) break;
			if (atype == UNIX_DIAG_PEER && alen >= 8) memcpy(&peer, a + 4, 4);
			a += (alen + 3) & -4;
		}
	}
	__syscall(SYS_close, nl);
	return peer;
}

/* Peek the queue in turn: with SO_PEEK_OFF set, each peek starts where
 * the last ended, and the bytes stay for the program if the save is
 * abandoned. A stream is saved in pieces of the whole scratch area (a
 * multiple of 8), which the save area places end to end, as for pipes.
 * Datagrams are kept each with a 4-byte length; one that might not fit
 * the scratch area whole would be cut, so the save is lost instead. */
static int peek(int fd, char *to, uint32_t room)
{
	return __syscall(SYS_recvfrom, fd, to, room, MSG_PEEK|MSG_DONTWAIT, 0, 0);
}

static void keep_piece(struct zq_fd *e, const char *buf, uint32_t n)
{
	uint64_t off = __zq_save_bytes(buf, n);

	if (off == (uint64_t)-1) return;
	if (!e->data_len) e->data_off = off;
	e->data_len += n;
}

static void peek_stream(struct zq_fd *e, char *buf, uint32_t cap)
{
	uint32_t n;
	long r;

	do {
		for (n = 0; n < cap && (r = peek(e->fd, buf + n, cap - n)) > 0; n += r);
		if (n) keep_piece(e, buf, n);
	} while (n == cap);
}

static void peek_messages(struct zq_fd *e, char *buf, uint32_t cap)
{
	uint32_t n = 0, rounds = 0;
	long r;

	while (rounds++ < 1 << 20) {
		if (n + 4 >= cap) {
			__zq_short_of(ZQ_LOST_SAVE, EMSGSIZE);
			return;
		}
		r = peek(e->fd, buf + n + 4, cap - n - 4);
		if (r < 0) break;
		if ((uint32_t)r == cap - n - 4) {
			__zq_short_of(ZQ_LOST_SAVE, EMSGSIZE);
			return;
		}
		memcpy(buf + n, &(uint32_t){ r }, 4);
		n += 4 + r;
		if (!r) break; /* an empty datagram: the peek offset cannot pass it */
	}
	if (n) keep_piece(e, buf, n);
}

void __zq_save_unix(struct zq_fd *e)
{
	char *buf = (char *)__zq_ctx + ZQ_SCRATCH_OFF;
	int zero = 0, off = -1;

	e->arg.socket.peer_ino = peer_inode(e->ino);
	if (!e->arg.socket.peer_ino) return;
	if (__syscall(SYS_setsockopt, e->fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero))
		return;
	e->data_len = 0;
	if (e->arg.socket.type == SOCK_STREAM) peek_stream(e, buf, ZQ_SCRATCH_SIZE);
	else peek_messages(e, buf, ZQ_SCRATCH_SIZE);
	__syscall(SYS_setsockopt, e->fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof off);
}

void __zq_pair_sockets(void)
{
	struct zq_fd *all = ZQ_FDS(__zq_ctx);
	uint32_t i, j, n = __zq_ctx->fd_count;

	for (i = 0; i < n; i++) {
		const struct zq_fd_socket *s = &all[i].arg.socket;
		if (all[i].kind != ZQ_FD_SOCKET || s->domain != AF_UNIX || !s->peer_ino)
			continue;
		for (j = 0; j < n && all[i].peer < 0; j++)
			if (all[j].kind == ZQ_FD_SOCKET && all[j].ino == s->peer_ino
			    && all[j].arg.socket.peer_ino == all[i].ino)
				all[i].peer = all[j].fd;
	}
}
