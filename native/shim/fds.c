/* Restore of the descriptors saved at a failure, before any thread runs:
 * one restore function per kind (fd_KIND.c). A restore whose objects are
 * not all back yet (an epoll set's targets, the file a dup shares) says
 * so and is tried again after the others, as CRIU does: the order follows
 * what each needs, whatever the kinds and numbers. */
#include "shim.h"
#include "fds.h"
#include <fcntl.h>

static const restore_fn restorers[] = {
	[ZQ_FD_FILE] = restore_file,
	[ZQ_FD_PIPE] = restore_pipe,
	[ZQ_FD_EVENTFD] = restore_eventfd,
	[ZQ_FD_TIMERFD] = restore_timerfd,
	[ZQ_FD_SIGNALFD] = restore_signalfd,
	[ZQ_FD_LISTEN] = restore_listen,
	[ZQ_FD_SOCKET] = restore_socket,
	[ZQ_FD_EPOLL] = restore_epoll,
	[ZQ_FD_DUP] = restore_dup,
};

/* Above every number a saved descriptor had: new objects are lifted
 * there first, so that placing one never lands on another not yet placed
 * (a pipe's two ends, say). */
static int top;

/* Which numbers hold their restored object, and which entries are done. */
static unsigned char back[(1 << 20) / 8], done[ZQ_FDS_CAP / 8];

static void mark(unsigned char *bits, uint32_t n)
{
	bits[n / 8] |= 1 << n % 8;
}

static int marked(const unsigned char *bits, uint32_t n)
{
	return bits[n / 8] >> n % 8 & 1;
}

/* A descriptor the program had above 2 that is not back yet. */
int missing(long fd)
{
	return fd > 2 && (fd >= 1 << 20 || !marked(back, fd));
}

void restored(long fd)
{
	if (fd >= 0 && fd < 1 << 20) mark(back, fd);
}

long lift(long fd)
{
	long r;

	if (fd < 0 || fd > top) return fd;
	r = sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, top + 1);
	sys(SYS_close, fd, 0, 0);
	return r;
}

/* Move fd to the number the program knows, with its flags. */
void place(const struct zq_fd *e, long fd)
{
	fd = lift(fd);
	if (fd < 0) fd_die(e, "cannot be made again", fd);
	if (fd != e->fd) {
		long r = sys(SYS_dup3, fd, e->fd, O_CLOEXEC);
		if (r < 0) fd_die(e, "cannot be moved to its number", r);
		sys(SYS_close, fd, 0, 0);
	}
	sys(SYS_fcntl, e->fd, F_SETFL, e->flags);
	sys(SYS_fcntl, e->fd, F_SETFD, e->cloexec ? FD_CLOEXEC : 0);
	restored(e->fd);
}

static const char *const kind_names[] = {
	[ZQ_FD_FILE] = "file", [ZQ_FD_PIPE] = "pipe", [ZQ_FD_EVENTFD] = "eventfd",
	[ZQ_FD_TIMERFD] = "timerfd", [ZQ_FD_SIGNALFD] = "signalfd",
	[ZQ_FD_EPOLL] = "epoll", [ZQ_FD_LISTEN] = "listening socket",
	[ZQ_FD_SOCKET] = "socket", [ZQ_FD_DUP] = "duplicate", [ZQ_FD_OTHER] = "unsupported kind",
};

_Noreturn void fd_die(const struct zq_fd *e, const char *what, long err)
{
	char msg[96] = "descriptor ", *p = msg + 11;
	int d = 1;

	while (d * 10 <= e->fd) d *= 10;
	for (; d; d /= 10) *p++ = '0' + e->fd / d % 10;
	*p++ = ' ';
	*p++ = '(';
	for (const char *k = e->kind < ZQ_FD_OTHER + 1 && kind_names[e->kind]
	     ? kind_names[e->kind] : "descriptor"; *k; ) *p++ = *k++;
	*p++ = ')';
	*p = 0;
	die(EXIT_SETUP, msg, what, err);
}

/* Refuse what cannot come back before anything is changed. */
static void check(struct zq_header *h)
{
	const struct zq_fd *e = ZQ_FDS(h);
	uint32_t i;

	if (h->fd_count > h->fd_cap || h->fd_off != ZQ_FDS_OFF || h->save_off != ZQ_SAVE_OFF
	    || h->save_len > ZQ_SAVE_SIZE)
		die(EXIT_SETUP, "the saved descriptor table is inconsistent", 0, 0);
	for (i = 0; i < h->fd_count; i++) {
		if (e[i].kind == ZQ_FD_OTHER)
			fd_die(&e[i], saved(h, &e[i]), 0);
		if (e[i].kind == ZQ_FD_FILE && e[i].deleted)
			fd_die(&e[i], "was a file deleted while open; it cannot be reopened", 0);
		if (!e[i].kind || e[i].kind > ZQ_FD_OTHER || e[i].fd < 3
		    || (uint64_t)e[i].data_off + e[i].data_len > h->save_len)
			die(EXIT_SETUP, "the saved descriptor table is inconsistent", 0, 0);
	}
}

const char *saved(struct zq_header *h, const struct zq_fd *e)
{
	return e->data_len ? ZQ_SAVED(h, e->data_off) : "";
}

/* The shim's own descriptors must not sit where the program's go. */
static void make_room(struct zq_header *h)
{
	const struct zq_fd *e = ZQ_FDS(h);
	uint32_t i;

	for (i = 0, top = 2; i < h->fd_count; i++) if (e[i].fd > top) top = e[i].fd;
	if (h->dir_fd <= top) h->dir_fd = move_above(h->dir_fd, top);
	if (h->lock_fd <= top) h->lock_fd = move_above(h->lock_fd, top);
	if (h->arena_fd <= top) h->arena_fd = move_above(h->arena_fd, top);
}

void restore_fds(struct zq_header *h)
{
	const struct zq_fd *e = ZQ_FDS(h);
	uint32_t i, left, progress;

	check(h);
	make_room(h);
	if (h->cwd_len) {
		char cwd[4096];
		uint32_t n = h->cwd_len < sizeof cwd ? h->cwd_len : sizeof cwd - 1;
		memcpy(cwd, ZQ_SAVED(h, h->cwd_off), n);
		cwd[n] = 0;
		long r = sys(SYS_chdir, cwd, 0, 0);
		if (r < 0) die(EXIT_SETUP, "cannot return to the working directory", cwd, r);
	}
	sys(SYS_umask, h->umask, 0, 0);
	do {
		for (i = left = progress = 0; i < h->fd_count; i++) {
			if (marked(done, i)) continue;
			if (restorers[e[i].kind] && restorers[e[i].kind](h, &e[i]) == NOT_READY) {
				left++;
				continue;
			}
			mark(done, i);
			progress = 1;
		}
	} while (left && progress);
	for (i = 0; left && i < h->fd_count; i++)
		if (!marked(done, i))
			fd_die(&e[i], "needs a descriptor that was not saved", 0);
}
