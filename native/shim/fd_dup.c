#include "fds.h"
#include <fcntl.h>

/* DUP: shares the file of a descriptor restored before it. */
void restore_dup(struct zq_header *h, const struct zq_fd *e)
{
	long r = sys(SYS_dup3, e->same_as, e->fd, e->cloexec ? O_CLOEXEC : 0);

	(void)h;
	if (r < 0) fd_die(e, "cannot share its file again", r);
}
