#include "fds.h"
#include <fcntl.h>

#define F_SETPIPE_SZ 1031

/* PIPE: a new pipe with the unread bytes written back. The read end's
 * entry makes the pipe and places both ends; a write end whose reader
 * belongs to another process gets a pipe nobody reads (EPIPE, as it
 * would see once that reader is gone). */
int restore_pipe(struct zq_header *h, const struct zq_fd *e)
{
	const struct zq_fd *all = ZQ_FDS(h), *w = 0;
	int reader = (e->flags & O_ACCMODE) == O_RDONLY;
	int p[2];
	uint32_t i;
	long r;

	if (!reader && e->peer >= 0) return 0;
	r = sys(SYS_pipe2, p, O_CLOEXEC, 0);
	if (r < 0) fd_die(e, "cannot make a pipe", r);
	p[0] = lift(p[0]);
	p[1] = lift(p[1]);
	if (reader && e->data_len) {
		if (e->data_len > 65536) sys(SYS_fcntl, p[1], F_SETPIPE_SZ, e->data_len);
		r = sys(SYS_write, p[1], saved(h, e), e->data_len);
		if (r != (long)e->data_len) fd_die(e, "cannot write its unread bytes back", r < 0 ? r : -5);
	}
	for (i = 0; reader && e->peer >= 0 && i < h->fd_count; i++)
		if (all[i].fd == e->peer) w = &all[i];
	if (w) {
		place(e, p[0]);
		place(w, p[1]);
	} else if (reader) {
		place(e, p[0]);
		sys(SYS_close, p[1], 0, 0);
	} else {
		place(e, p[1]);
		sys(SYS_close, p[0], 0, 0);
	}
	return 0;
}
