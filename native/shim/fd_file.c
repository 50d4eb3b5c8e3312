#include "fds.h"
#include <fcntl.h>

/* FILE: reopened by path with its flags, never creating or truncating. */
int restore_file(struct zq_header *h, const struct zq_fd *e)
{
	char path[4096];
	uint32_t n = e->data_len < sizeof path ? e->data_len : sizeof path - 1;
	int flags = e->flags & ~(O_CREAT|O_TRUNC|O_EXCL|O_NOCTTY);
	long fd;

	memcpy(path, saved(h, e), n);
	path[n] = 0;
	fd = sys(SYS_open, path, flags | O_CLOEXEC, 0);
	if (fd < 0) fd_die(e, path, fd);
	if (e->pos) sys(SYS_lseek, fd, e->pos, 0);
	place(e, fd);
	return 0;
}
