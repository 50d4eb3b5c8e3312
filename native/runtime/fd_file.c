#include <string.h>
#include <unistd.h>
#include "zq.h"
#include "syscall.h"

/* Length of "/proc/PID" when path is in the program's own /proc
 * directory by its pid (the kernel shows /proc/self so too), else 0.
 * The pid changes at a resume: such a file (Redis keeps /proc/PID/stat
 * open for its RSS) is saved as /proc/self, the new self's. */
static size_t own_proc(const char *path)
{
	const char *p = path + 6;
	long pid = 0;

	if (strncmp(path, "/proc/", 6) || *p < '1' || *p > '9') return 0;
	while (*p >= '0' && *p <= '9' && pid < 1L << 32) pid = pid * 10 + *p++ - '0';
	if ((*p && *p != '/') || pid != __zq_ctx->pid) return 0;
	return p - path;
}

/* FILE: anything with a path, reopened by it. data: the path;
 * pos: the offset; deleted: the path no longer names it. */
void __zq_save_file(struct zq_fd *e, const char *path, unsigned long links)
{
	size_t n = strlen(path), own = own_proc(path);
	const char *tail = " (deleted)";
	char *self = (char *)__zq_ctx + ZQ_SCRATCH_OFF;

	if (own) {
		memcpy(self, "/proc/self", 10);
		memcpy(self + 10, path + own, n - own + 1);
		n = n - own + 10;
		path = self;
	}

	e->kind = ZQ_FD_FILE;
	e->pos = __syscall(SYS_lseek, e->fd, 0, SEEK_CUR);
	if ((long)e->pos < 0) e->pos = 0;
	if (!links && n > 10 && !strcmp(path + n - 10, tail)) {
		e->deleted = 1;
		n -= 10;
	}
	__zq_keep(e, path, n);
}
