#include "guard.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int guard_resuming;

static uint64_t now(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The first reason wins, as in failure.c. */
static void lose(struct zq_header *h, uint32_t reason, int err)
{
	if (h->lost_reason) return;
	h->lost_reason = reason;
	h->lost_errno = err;
}

static struct zq_header *map_context(int dir)
{
	struct stat st;
	void *p;
	int fd = openat(dir, "context", O_RDWR|O_CLOEXEC|O_NOFOLLOW);

	if (fd < 0) return 0;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(struct zq_header)
	    || st.st_size > (off_t)ZQ_CONTEXT_SIZE) {
		close(fd);
		return 0;
	}
	/* At the program's address: the runtime's code finds its tables there. */
	p = mmap((void *)ZQ_CONTEXT_ADDR, st.st_size, PROT_READ|PROT_WRITE,
		MAP_SHARED|MAP_FIXED_NOREPLACE, fd, 0);
	close(fd);
	return p == MAP_FAILED ? 0 : p;
}

/* The thread table takes its file space before it is written, as
 * failure.c's make_room_for_threads does. */
static int make_room(int dir, size_t n)
{
	int fd = openat(dir, "context", O_RDWR|O_CLOEXEC|O_NOFOLLOW);
	int r;

	if (fd < 0) return errno;
	r = fallocate(fd, FALLOC_FL_KEEP_SIZE, ZQ_THREADS_OFF, (n + 64) * sizeof(struct zq_thread));
	r = r && errno != EOPNOTSUPP ? errno : 0;
	close(fd);
	return r;
}

/* Each thread's sigaltstack, from the runtime's table in the program's
 * memory (altstack.c): rt_sigreturn restores the frame's, and the resume
 * sets the table entry's. */
static void find_altstacks(struct zq_header *h, int mem, struct held *held, size_t n)
{
	static struct zq_altstack table[4096];
	size_t i, j, cap = h->altstack_cap < 4096 ? h->altstack_cap : 4096;

	for (i = 0; i < n; i++) held[i].ss_flags = SS_DISABLE;
	if (!h->altstack_addr || !cap
	    || pread(mem, table, cap * sizeof *table, h->altstack_addr) != (ssize_t)(cap * sizeof *table))
		return;
	for (i = 0; i < n; i++)
		for (j = 0; j < cap; j++)
			if (table[j].tp == held[i].regs.fs_base && table[j].tid == held[i].tid
			    && !(table[j].flags & SS_DISABLE)) {
				held[i].ss_sp = table[j].sp;
				held[i].ss_size = table[j].size;
				held[i].ss_flags = 0;
			}
}

/* A thread in the runtime's exit tail has given its stack back and
 * released the lock: the range may already be another thread's memory,
 * and a frame written there would corrupt it. The guard carries the same
 * runtime, so the tail's bytes around rip tell. */
static int in_exit_tail(int mem, const struct held *h)
{
	size_t len = __zq_unmapself_end - __zq_unmapself_tail, i;
	unsigned char code[512];
	uint64_t rip = h->regs.rip;

	if (len > sizeof code / 2 || rip < len) return 0;
	if (pread(mem, code, 2 * len, rip - len) != (ssize_t)(2 * len)) return 0;
	for (i = 1; i <= len; i++)
		if (!memcmp(code + i, __zq_unmapself_tail, len)) return 1;
	return 0;
}

/* The frame must land in image memory the program may write: a stack
 * given back (or never in the table) would take the frame nowhere. */
static int frame_fits(struct zq_header *h, uint64_t lo, uint64_t hi)
{
	struct zq_region *r = ZQ_REGIONS(h);
	uint32_t i;

	for (i = 0; i < h->region_count; i++)
		if (r[i].start <= lo && hi <= r[i].end)
			return (r[i].prot & PROT_WRITE) && r[i].file != ZQ_FILE_PROGRAM;
	return 0;
}

/* musl's thread list lock (__thread_list_lock, named by the header's
 * tl_lock) held by a saved thread: it was in pthread_create or
 * pthread_exit, which a SIGPWR never interrupts (both block every
 * signal). Such a save is not safe: the lock word holds a tid, which the
 * resume rewrites, and a thread waiting for it to change (pthread_join's
 * __tl_sync) would take the rewrite for the release and free a stack
 * still in use; and as each killed thread finishes dying the kernel
 * stores 0 there (its clear_child_tid), after the save. A lock held by a
 * thread that was exiting on its own is released by that exit. */
static int thread_list_held(int mem, struct zq_header *h, struct held *held, size_t n)
{
	int32_t v = 0;
	size_t i;

	if (!h->tl_lock || pread(mem, &v, sizeof v, h->tl_lock) != sizeof v || !v) return 0;
	for (i = 0; i < n; i++)
		if (held[i].tid == v) return 1;
	return 0;
}

static int record_threads(struct zq_header *h, pid_t pid, struct held *held, size_t n, int sig)
{
	struct zq_thread *t = ZQ_THREADS(h);
	char path[32];
	int mem, err = 0;
	size_t i;

	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	mem = open(path, O_RDWR|O_CLOEXEC);
	if (mem < 0) return errno;
	find_altstacks(h, mem, held, n);
	for (i = 0; i < n; i++)
		if (in_exit_tail(mem, &held[i]) || (!i && thread_list_held(mem, h, held, n))) {
			close(mem);
			return -1;
		}
	for (i = 0; i < n && !err; i++) {
		uint64_t frame;
		if (!frame_fits(h, guard_frame_low(&held[i]), held[i].regs.rsp)) {
			err = -1; /* on a stack that is not image memory: the shim's, or one given back */
			break;
		}
		if (guard_push_frame(mem, &held[i], sig, &frame)) {
			err = errno ? errno : EIO;
			break;
		}
		memset(&t[i], 0, sizeof t[i]);
		t[i].tid = t[i].mem_tid = held[i].tid;
		t[i].tp = held[i].regs.fs_base;
		t[i].frame = frame;
		t[i].signo = sig;
		if (!held[i].ss_flags) {
			t[i].ss_sp = held[i].ss_sp;
			t[i].ss_size = held[i].ss_size;
		}
		memcpy(t[i].comm, held[i].comm, sizeof t[i].comm);
		__sync_synchronize();
		t[i].state = ZQ_THREAD_CAPTURED;
		h->thread_count = i + 1;
	}
	close(mem);
	return err;
}

static int numbers(const char *path, int *out, int cap)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d) return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && n < cap) out[n++] = atoi(e->d_name);
	closedir(d);
	return n;
}

static int cloexec_of(pid_t pid, int fd)
{
	char path[64], text[512], *s;
	int f;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", pid, fd);
	f = open(path, O_RDONLY|O_CLOEXEC);
	if (f < 0) return 0;
	n = read(f, text, sizeof text - 1);
	close(f);
	text[n > 0 ? n : 0] = 0;
	s = strstr(text, "flags:");
	return s && (strtoul(s + 6, 0, 8) & O_CLOEXEC);
}

/* The guard takes the program's descriptors at the same numbers and has
 * no other (but 0-2, which the save skips), so that the runtime's own
 * save, listing /proc/self/fd, describes exactly the program's. */
static int take_descriptors(pid_t pid, int *fds, int n)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), own[4096], m, i, max = 2;
	struct rlimit lim;

	if (pidfd < 0) return errno;
	for (i = 0; i < n; i++) if (fds[i] > max) max = fds[i];
	if (!getrlimit(RLIMIT_NOFILE, &lim) && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
	i = fcntl(pidfd, F_DUPFD_CLOEXEC, max + 1);
	close(pidfd);
	if (i < 0) return errno;
	pidfd = i;
	m = numbers("/proc/self/fd", own, 4096);
	for (i = 0; i < m; i++) if (own[i] > 2 && own[i] != pidfd) close(own[i]);
	for (i = 0; i < n; i++) {
		int got;
		if (fds[i] <= 2) continue;
		got = syscall(SYS_pidfd_getfd, pidfd, fds[i], 0);
		if (got < 0) return errno;
		if (got != fds[i]) {
			if (dup2(got, fds[i]) < 0) return errno;
			close(got);
		}
		fcntl(fds[i], F_SETFD, cloexec_of(pid, fds[i]) ? FD_CLOEXEC : 0);
	}
	close(pidfd);
	return 0;
}

/* Where the program was and its umask, which the runtime's save reads
 * from its own process. */
static void take_cwd_umask(pid_t pid)
{
	char path[64], text[4096], *s;
	int f;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/cwd", pid);
	if (chdir(path)) chdir("/");
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = open(path, O_RDONLY|O_CLOEXEC);
	if (f < 0) return;
	n = read(f, text, sizeof text - 1);
	close(f);
	text[n > 0 ? n : 0] = 0;
	if ((s = strstr(text, "\nUmask:"))) umask(strtoul(s + 7, 0, 8));
}

static void close_all_but_std(void)
{
	int own[4096], m = numbers("/proc/self/fd", own, 4096), i;
	for (i = 0; i < m; i++) if (own[i] > 2) close(own[i]);
}

/* On a disk filesystem the pages must reach the disk before the image
 * says saved. The program's mappings are not the guard's to msync: the
 * image's filesystem is flushed whole (its region files are there). */
static void sync_image(struct zq_header *h)
{
	uint64_t t0 = now(CLOCK_MONOTONIC);

	syncfs(h->dir_fd);
	msync(h, (h->save_off + h->save_len + 4095) & -4096UL, MS_SYNC);
	h->sync_ns = now(CLOCK_MONOTONIC) - t0;
}

void guard_save(int dir, pid_t pid, struct held *held, size_t n, int sig, int fault)
{
	uint64_t t0 = now(CLOCK_MONOTONIC);
	struct zq_header *h = map_context(dir);
	static int fds[1 << 16];
	char path[32];
	int err, nfd;

	/* Not yet written: the shim was killed before the program started. */
	if (h && !h->magic) return;
	if (!h || h->magic != ZQ_MAGIC || h->abi_version != ZQ_ABI_VERSION) {
		dprintf(2, "zhuque-guard: the image's context cannot be mapped (%s); the death is not saved\n",
			h ? "another layout" : strerror(errno));
		return;
	}
	/* Saved already (a SIGPWR capture, or a resume that had not yet let
	 * the program run), or never running: nothing of this death to keep. */
	if (h->state != ZQ_STATE_RUNNING) return;
	/* A thread held the runtime's lock, or a SIGPWR capture or a resume
	 * was half way: the tables may be half changed. */
	if (fault) {
		/* Only where each thread was, for inspect (the lock does not
		 * matter: it is never resumed): the launcher marks it faulted. */
		if (!h->thread_count && !make_room(dir, n))
			record_threads(h, pid, held, n, sig);
		return;
	}
	/* Killed in libc's start, before the runtime could take a failure
	 * (it records its resume entry then): nothing of the program ran, and
	 * a SIGPWR would have waited; the next run starts afresh. */
	if (!h->resume_entry) {
		h->state = ZQ_STATE_NEW;
		return;
	}
	/* A resume marks the image running before it lets its threads go
	 * (resume_go): until then every thread is inside the runtime's
	 * barrier, which a second resume could not take up again. */
	if (h->lock || h->thread_count || (guard_resuming && !h->resume_go)) {
		lose(h, ZQ_LOST_RUNTIME, 0);
		h->state = ZQ_STATE_LOST;
		return;
	}
	if ((err = make_room(dir, n)) || (err = record_threads(h, pid, held, n, sig))) {
		lose(h, err < 0 ? ZQ_LOST_RUNTIME : ZQ_LOST_GUARD, err < 0 ? 0 : err);
		h->state = ZQ_STATE_LOST;
		return;
	}
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	nfd = numbers(path, fds, sizeof fds / sizeof *fds);
	if (nfd < 0 || (err = take_descriptors(pid, fds, nfd))) {
		lose(h, ZQ_LOST_FDS, nfd < 0 ? errno : err);
		h->state = ZQ_STATE_LOST;
		close_all_but_std();
		return;
	}
	take_cwd_umask(pid);
	/* Set only now: while it is set, the guard's own mmap or malloc
	 * would land in the program's tables. The save makes neither. */
	__zq_ctx = h;
	__zq_save_fds();
	__zq_ctx = 0;
	if (h->lost_reason) {
		h->state = ZQ_STATE_LOST;
	} else {
		if (h->flags & ZQ_FLAG_SYNC) sync_image(h);
		h->failures++;
		h->saved_ns = now(CLOCK_REALTIME);
		h->save_ns = now(CLOCK_MONOTONIC) - t0;
		__sync_synchronize();
		h->state = ZQ_STATE_SAVED;
		h->checksum = zq_checksum(h);
		if (h->flags & ZQ_FLAG_SYNC) msync(h, 4096, MS_SYNC);
	}
	close_all_but_std();
}
