#include <string.h>
#include <unistd.h>
#include "zq.h"
#include "syscall.h"

/* FILE: anything with a path, reopened by it. data: the path;
 * pos: the offset; deleted: the path no longer names it. */
void __zq_save_file(struct zq_fd *e, const char *path, unsigned long links)
{
	size_t n = strlen(path);
	const char *tail = " (deleted)";

	e->kind = ZQ_FD_FILE;
	e->pos = __syscall(SYS_lseek, e->fd, 0, SEEK_CUR);
	if ((long)e->pos < 0) e->pos = 0;
	if (!links && n > 10 && !strcmp(path + n - 10, tail)) {
		e->deleted = 1;
		n -= 10;
	}
	__zq_keep(e, path, n);
}
