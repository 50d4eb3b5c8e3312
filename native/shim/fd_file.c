#include "fds.h"
#include <fcntl.h>
#include <sys/stat.h>

/* A FIFO's open waits for its other end, which may be the program's own
 * descriptor not reopened yet: open without waiting (a write end needs a
 * reader to exist for that, so one is held for the moment). place() then
 * sets the saved flags. */
static long open_fifo(const char *path, int flags)
{
	long keep = -1, fd;

	if ((flags & O_ACCMODE) == O_WRONLY)
		keep = sys(SYS_open, path, O_RDONLY|O_NONBLOCK|O_CLOEXEC, 0);
	fd = sys(SYS_open, path, flags | O_NONBLOCK | O_CLOEXEC, 0);
	if (keep >= 0) sys(SYS_close, keep, 0, 0);
	return fd;
}

/* FILE: reopened by path with its flags, never creating or truncating. */
int restore_file(struct zq_header *h, const struct zq_fd *e)
{
	char path[4096];
	uint32_t n = e->data_len < sizeof path ? e->data_len : sizeof path - 1;
	int flags = e->flags & ~(O_CREAT|O_TRUNC|O_EXCL|O_NOCTTY);
	struct stat st;
	long fd;

	memcpy(path, saved(h, e), n);
	path[n] = 0;
	if (!sys(SYS_stat, path, &st, 0) && S_ISFIFO(st.st_mode))
		fd = open_fifo(path, flags);
	else
		fd = sys(SYS_open, path, flags | O_CLOEXEC, 0);
	if (fd < 0) fd_die(e, path, fd);
	if (e->pos) sys(SYS_lseek, fd, e->pos, 0);
	place(e, fd);
	return 0;
}
