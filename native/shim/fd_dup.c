#include "fds.h"
#include <fcntl.h>

/* DUP: shares the file of another descriptor, once that one is back. */
int restore_dup(struct zq_header *h, const struct zq_fd *e)
{
	long r;

	(void)h;
	if (missing(e->same_as)) return NOT_READY;
	r = sys(SYS_dup3, e->same_as, e->fd, e->cloexec ? O_CLOEXEC : 0);
	if (r < 0) fd_die(e, "cannot share its file again", r);
	restored(e->fd);
	return 0;
}
