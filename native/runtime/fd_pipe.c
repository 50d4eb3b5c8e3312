#include "zq.h"
#include "syscall.h"
#include <fcntl.h>
#include <sys/ioctl.h>

/* PIPE: data: the bytes written and not yet read, taken from the read
 * end (the process dies anyway); peer: a descriptor of the other end in
 * this process, or -1 when that end belongs to another process. A pipe
 * grown past the scratch area is read in pieces of its whole size (a
 * multiple of 8), which the save area places end to end. */
void __zq_save_pipe(struct zq_fd *e)
{
	char *buf = (char *)__zq_ctx + ZQ_SCRATCH_OFF;
	long n = 0, r;
	int pending = 0;
	uint64_t off;

	e->kind = ZQ_FD_PIPE;
	if ((e->flags & O_ACCMODE) != O_RDONLY) return;
	__syscall(SYS_ioctl, e->fd, FIONREAD, &pending);
	if (pending <= 0) return;
	__syscall(SYS_fcntl, e->fd, F_SETFL, e->flags | O_NONBLOCK);
	while (n < pending) {
		long want = pending - n < (long)ZQ_SCRATCH_SIZE ? pending - n : (long)ZQ_SCRATCH_SIZE;
		long got = 0;
		while (got < want && (r = __syscall(SYS_read, e->fd, buf + got, want - got)) > 0)
			got += r;
		if (!got) break;
		off = __zq_save_bytes(buf, got);
		if (off == (uint64_t)-1) return; /* the save is short of space, and lost */
		if (!n) e->data_off = off;
		n += got;
		e->data_len = n;
		if (got < want) break;
	}
}

void __zq_pair_pipes(void)
{
	struct zq_fd *all = ZQ_FDS(__zq_ctx);
	uint32_t i, j, n = __zq_ctx->fd_count;

	for (i = 0; i < n; i++) {
		if (all[i].kind != ZQ_FD_PIPE) continue;
		for (j = 0; j < n && all[i].peer < 0; j++)
			if (all[j].kind == ZQ_FD_PIPE && all[j].ino == all[i].ino
			    && (all[j].flags & O_ACCMODE) != (all[i].flags & O_ACCMODE))
				all[i].peer = all[j].fd;
	}
}
