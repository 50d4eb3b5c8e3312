#include "zq.h"
#include "syscall.h"
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* The kernel objects behind the program's descriptors die with the
 * process. At a failure, once every thread is stopped, each descriptor is
 * described in the context, and the shim makes an equivalent object at
 * the same number on resume. Reading the kernel's own account
 * (/proc/self/fd, fdinfo, getsockopt) needs no hook in the program's
 * open/close/dup path, so the running program pays nothing for it.
 * Descriptors 0-2 are the resuming launcher's. */

/* Bytes of the descriptor table and of the save area that have their
 * file space (the shim took the first part of each). An image that
 * misses a descriptor or its bytes is not resumable: the first shortage
 * is recorded in the header, and the failure is lost with that reason. */
static uint64_t fds_taken = ZQ_RESERVE_CHUNK, save_taken = ZQ_RESERVE_SAVE;

void __zq_short_of(uint32_t reason, int err)
{
	struct zq_header *h = __zq_ctx;

	if (h->lost_reason) return;
	h->lost_reason = reason;
	h->lost_errno = err;
}

static int room(uint64_t *taken, uint64_t base, uint64_t need, uint32_t reason)
{
	if (!__zq_reserve_table(base, taken, need)) return 0;
	__zq_short_of(reason, __zq_space_error);
	return -1;
}

uint64_t __zq_save_bytes(const void *p, size_t n)
{
	struct zq_header *h = __zq_ctx;
	uint64_t off = h->save_len;

	if (off + n > ZQ_SAVE_SIZE) {
		__zq_short_of(ZQ_LOST_SAVE, 0);
		return -1;
	}
	if (room(&save_taken, ZQ_SAVE_OFF, off + n, ZQ_LOST_SAVE)) return -1;
	memcpy(ZQ_SAVED(h, off), p, n);
	h->save_len = (off + n + 7) & -8;
	return off;
}

void __zq_keep(struct zq_fd *e, const void *p, size_t n)
{
	e->data_off = __zq_save_bytes(p, n);
	e->data_len = e->data_off == (uint64_t)-1 ? 0 : n;
}

/* The fdinfo text of fd, read whole into the scratch area. */
char *__zq_fdinfo(int fd)
{
	char path[40] = "/proc/self/fdinfo/", *buf = (char *)__zq_ctx + ZQ_SCRATCH_OFF;
	size_t len = 0;
	long f, n;

	__zq_decimal(path + 18, fd);
	f = __syscall(SYS_open, path, O_RDONLY|O_CLOEXEC);
	if (f >= 0) {
		while (len < ZQ_SCRATCH_SIZE - 1
		       && (n = __syscall(SYS_read, f, buf + len, ZQ_SCRATCH_SIZE - 1 - len)) > 0)
			len += n;
		__syscall(SYS_close, f);
	}
	buf[len] = 0;
	return buf;
}

/* The value after "name:" at the start of a line, or 0. */
const char *__zq_field(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : 0)
		if (!strncmp(l, name, n) && l[n] == ':') {
			for (l += n + 1; *l == ' ' || *l == '\t'; l++);
			return l;
		}
	return 0;
}

uint64_t __zq_number(const char **s, int base)
{
	uint64_t v = 0;
	const char *p = *s;

	while (*p == ' ' || *p == '\t' || *p == '(' || *p == ',') p++;
	for (;; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : 99;
		if (d >= base) break;
		v = v * base + d;
	}
	*s = p;
	return v;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int shares_file(struct zq_fd *e, struct zq_fd *all, uint32_t n)
{
	int pid = __syscall(SYS_getpid);
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (all[i].dev != e->dev || all[i].ino != e->ino || all[i].kind == ZQ_FD_DUP)
			continue;
		if (__syscall(SYS_kcmp, pid, pid, 0 /* KCMP_FILE */, all[i].fd, e->fd) == 0) {
			e->kind = ZQ_FD_DUP;
			e->same_as = all[i].fd;
			return 1;
		}
	}
	return 0;
}

static void save_fd(int fd)
{
	struct zq_header *h = __zq_ctx;
	struct zq_fd *all = ZQ_FDS(h), *e = all + h->fd_count;
	char path[32] = "/proc/self/fd/", link[4096];
	struct stat st;
	long n;

	if (h->fd_count >= h->fd_cap) {
		__zq_short_of(ZQ_LOST_FDS, 0);
		return;
	}
	if (room(&fds_taken, ZQ_FDS_OFF, (h->fd_count + 1) * (uint64_t)sizeof *e, ZQ_LOST_FDS))
		return;
	memset(e, 0, sizeof *e);
	e->fd = fd;
	e->same_as = e->peer = -1;
	e->flags = __syscall(SYS_fcntl, fd, F_GETFL);
	e->cloexec = __syscall(SYS_fcntl, fd, F_GETFD) & FD_CLOEXEC;
	if (!__syscall(SYS_fstat, fd, &st)) {
		e->dev = st.st_dev;
		e->ino = st.st_ino;
	}
	h->fd_count++;
	if (shares_file(e, all, h->fd_count - 1)) return;

	__zq_decimal(path + 14, fd);
	n = __syscall(SYS_readlink, path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;

	if (starts(link, "pipe:")) __zq_save_pipe(e);
	else if (starts(link, "socket:")) __zq_save_socket(e);
	else if (!strcmp(link, "anon_inode:[eventfd]")) __zq_save_eventfd(e);
	else if (!strcmp(link, "anon_inode:[timerfd]")) __zq_save_timerfd(e);
	else if (!strcmp(link, "anon_inode:[signalfd]")) __zq_save_signalfd(e);
	else if (!strcmp(link, "anon_inode:[eventpoll]")) __zq_save_epoll(e);
	else if (link[0] == '/') __zq_save_file(e, link, st.st_nlink);
	else {
		e->kind = ZQ_FD_OTHER;
		__zq_keep(e, link, strlen(link) + 1);
	}
}

static void save_cwd_umask(struct zq_header *h)
{
	char cwd[4096];
	long n = __syscall(SYS_getcwd, cwd, sizeof cwd);
	long mask = __syscall(SYS_umask, 0);

	__syscall(SYS_umask, mask);
	h->umask = mask;
	h->cwd_len = 0;
	if (n > 0) {
		h->cwd_off = __zq_save_bytes(cwd, n);
		h->cwd_len = h->cwd_off == (uint64_t)-1 ? 0 : n;
	}
}

static void save_one(uint64_t fd, int dir, void *arg)
{
	struct zq_header *h = __zq_ctx;

	(void)arg;
	if (fd > 2 && fd != (uint64_t)dir && fd != (uint64_t)h->dir_fd
	    && fd != (uint64_t)h->lock_fd && fd != (uint64_t)h->arena_fd)
		save_fd(fd);
}

int __zq_save_fds(void)
{
	struct zq_header *h = __zq_ctx;
	int r;

	h->fd_count = 0;
	h->fd_cap = ZQ_FDS_CAP;
	h->fd_off = ZQ_FDS_OFF;
	h->save_off = ZQ_SAVE_OFF;
	h->save_len = 0;
	save_cwd_umask(h);
	r = __zq_each_number("/proc/self/fd", save_one, 0);
	if (r) __zq_short_of(ZQ_LOST_FDS, -r);
	__zq_pair_pipes();
	__zq_pair_sockets();
	return h->lost_reason ? -1 : 0;
}
