#include "zq.h"
#include "syscall.h"

/* The runtime's descriptors (the image directory, its lock, the arena)
 * are not the program's: to the program their numbers are unused. A
 * program that closes what it inherited, or dup2s onto a high number,
 * must not take them away, or the image could not be saved, nor be seen
 * locked while its program runs. */
int __zq_hidden_fd(long fd)
{
	struct zq_header *h = __zq_ctx;

	return h && (fd == h->dir_fd || fd == h->lock_fd || fd == h->arena_fd);
}

static int next_hidden(unsigned from, unsigned *fd)
{
	struct zq_header *h = __zq_ctx;
	unsigned k[3] = { h->dir_fd, h->lock_fd, h->arena_fd }, best = ~0u;
	int i;

	for (i = 0; i < 3; i++) if (k[i] >= from && k[i] < best) best = k[i];
	*fd = best;
	return best != ~0u;
}

/* close_range over the runtime's numbers: the pieces between them. */
long __zq_close_range(unsigned first, unsigned last, unsigned flags)
{
	unsigned fd;
	long r = 0;

	if (first > last) return __syscall(SYS_close_range, first, last, flags);
	while (next_hidden(first, &fd) && fd <= last) {
		if (fd > first) r = __syscall(SYS_close_range, first, fd - 1, flags);
		if (r < 0 || fd == last) return r;
		first = fd + 1;
	}
	return __syscall(SYS_close_range, first, last, flags);
}
