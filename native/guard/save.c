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

/* /proc/PID/task/TID of the thread the process is read through (main.c's
 * reader: a held thread, the leader when it is one of them). */
static char proc[48];

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
		if (!memcmp(code + i, __zq_unmapself_tail, len)) return 1 + (len - i);
	return 0;
}

/* Where an instruction of three bytes sits in the tail. */
static size_t tail_at(const unsigned char insn[3])
{
	size_t len = __zq_unmapself_end - __zq_unmapself_tail, i;

	for (i = 0; i + 3 <= len; i++)
		if (!memcmp(__zq_unmapself_tail + i, insn, 3)) return i;
	return 0;
}

/* The tail's unlock (xchg %eax,(%r14)): before it, the thread still
 * held the runtime's lock, and its stack's pages may not be punched. */
static size_t tail_unlock(void)
{
	return tail_at((const unsigned char[]){ 0x41, 0x87, 0x06 });
}

/* What the tail of a thread killed before its unlock had left to do that
 * outlives the process: the stack's pages punched (the table no longer
 * has it, and memory handed out there again must read zero) and the lock
 * released. Its stack is arena memory (r12 base, r13 size). */
static int finish_tail(int dir, struct zq_header *h, const struct held *t)
{
	size_t at = t->gone - 1;
	/* Until the tail's first two moves (to r12, r13) have run, its
	 * arguments are still in rdi and rsi, and r12/r13 hold the caller's. */
	uint64_t base = at <= tail_at((const unsigned char[]){ 0x49, 0x89, 0xfc }) ? t->regs.rdi : t->regs.r12;
	uint64_t size = at <= tail_at((const unsigned char[]){ 0x49, 0x89, 0xf5 }) ? t->regs.rsi : t->regs.r13;
	int fd, r;

	if (at > tail_unlock()) return 0;
	if (base < ZQ_ARENA_BASE || base + size > ZQ_ARENA_BASE + ZQ_ARENA_SIZE) return -1;
	if ((fd = openat(dir, ZQ_REGIONS_DIR "/arena", O_RDWR|O_CLOEXEC|O_NOFOLLOW)) < 0) return -1;
	r = fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, base - ZQ_ARENA_BASE, size);
	close(fd);
	if (r) return -1;
	h->lock = 0;
	return 0;
}

/* The frame must land in image memory the program may write: a stack
 * given back (or never in the table) would take the frame nowhere. */
static int frame_fits(struct zq_header *h, uint64_t lo, uint64_t hi)
{
	uint32_t i, n = zq_region_total(h);

	/* Read as the resume will: a table edit may be half done. */
	for (i = 0; i < n; i++) {
		struct zq_region r = zq_region_view(h, i);
		if (r.start <= lo && hi <= r.end)
			return (r.prot & PROT_WRITE) && r.file != ZQ_FILE_PROGRAM;
	}
	return 0;
}

/* musl's thread list lock (__thread_list_lock, named by the header's
 * tl_lock) held by a saved thread: it was in pthread_create or
 * pthread_exit, which a SIGPWR never interrupts (both block every
 * signal). Every musl thread exits through clear_child_tid = that word,
 * so as each killed thread finishes dying, after the save, the kernel
 * stores 0 there (mm_release): the holder would wake up without its lock
 * and another thread take it too. So the word is kept as saved and
 * written back once the process is gone (guard_restore_words); the
 * resume then gives it the holder's new tid as it does at any failure.
 * A holder already past DT_EXITED in pthread_exit is not resumed: its
 * joiner may wait in __tl_sync for the word to change, and a new tid
 * would look like the release with the holder still on its stack. A lock
 * held by a thread that was exiting on its own is released by that exit. */
static volatile int32_t *tl_word;
static int32_t tl_saved;

/* detach_state in musl's struct pthread (x86_64: self, dtv, prev, next,
 * sysinfo, canary, tid, errno_val, detach_state). */
#define PT_DETACH_STATE 56
#define DT_EXITED 0

extern void __zq_file_path(char *, uint32_t);

/* The thread list lock word in the image's file, mapped for
 * guard_restore_words, which writes it back once the process is gone. */
static volatile int32_t *map_thread_list_word(int dir, struct zq_header *h)
{
	uint64_t a = h->tl_lock, page = a & -4096UL;
	uint32_t i, total = zq_region_total(h);
	struct zq_region r;
	char name[64];
	char *p;
	int fd;

	for (i = 0; i < total; i++) {
		r = zq_region_view(h, i);
		if (r.start <= a && a < r.end) break;
	}
	if (i == total || r.file == ZQ_FILE_PROGRAM || r.file >= ZQ_FILE_MAPPED) return 0;
	__zq_file_path(name, r.file);
	if ((fd = openat(dir, name, O_RDWR|O_CLOEXEC|O_NOFOLLOW)) < 0) return 0;
	p = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd, r.offset + (page - r.start));
	close(fd);
	if (p == MAP_FAILED) return 0;
	return (volatile int32_t *)(p + (a - page));
}

static int keep_thread_list_word(int dir, struct zq_header *h, int32_t v)
{
	if (!(tl_word = map_thread_list_word(dir, h))) return 1;
	tl_saved = v;
	return 0;
}

static int thread_list_held(int dir, int mem, struct zq_header *h, struct held *held, size_t n)
{
	int32_t v = 0, state = -1;
	size_t j;

	if (!h->tl_lock || pread(mem, &v, sizeof v, h->tl_lock) != sizeof v || !v) return 0;
	for (j = 0; j < n && held[j].tid != v; j++);
	if (j == n) return 0;
	/* Its holder was in the exit tail: its exit gives the lock back. */
	if (held[j].gone) v = 0;
	else if (pread(mem, &state, sizeof state, held[j].regs.fs_base + PT_DETACH_STATE) != sizeof state)
		return 1;
	/* Past DT_EXITED in pthread_exit, all it had left was to wake its
	 * joiner and exit, whereupon the kernel frees the lock: it is not
	 * resumed, and the lock is saved free, as if it had made it (a
	 * joiner's wait, restarted, sees both and frees its stack). */
	else if (state == DT_EXITED) {
		held[j].gone = -1;
		v = 0;
	}
	return keep_thread_list_word(dir, h, v);
}

/* Every thread musl's thread list links is one the save holds. A thread
 * can die unseen: the guard continues a thread from a stop it was told
 * of (a clone event, say), and if the kill has woken the thread from that
 * stop into its exit stop in the meantime, the continue lets the exit
 * stop go (ptrace has no continue-if-still-there). Its registers are
 * gone; saved without it, the thread it was creating would resume
 * unlinked with the list lock free (SIGSEGV in pthread_exit). */
#define PT_NEXT 24
#define PT_TID 48

static int holds(const struct held *held, size_t n, int32_t tid)
{
	size_t i;

	for (i = 0; i < n; i++) if (held[i].tid == tid && !held[i].gone) return 1;
	return 0;
}

static int thread_list_seen(const struct held *held, size_t n)
{
	char path[64];
	uint64_t start = 0, p;
	int32_t tid;
	size_t i;
	int mem, seen = 0;

	snprintf(path, sizeof path, "%s/mem", proc);
	if ((mem = open(path, O_RDONLY|O_CLOEXEC)) < 0) return 0;
	for (i = 0; i < n && !start; i++) {
		uint64_t tp = held[i].regs.fs_base;
		if (held[i].gone || pread(mem, &p, sizeof p, tp + PT_NEXT) != sizeof p) continue;
		if (p && p != tp) start = tp;
	}
	/* A thread alone, or none linked: nothing to miss. */
	if (!start) seen = 1;
	for (p = start, i = 0; !seen && i <= n; i++) {
		if (pread(mem, &p, sizeof p, p + PT_NEXT) != sizeof p) break;
		if (p == start) seen = 1;
		else if (pread(mem, &tid, sizeof tid, p + PT_TID) != sizeof tid || !holds(held, n, tid)) break;
	}
	close(mem);
	return seen;
}

/* Every thread is gone, and with it the kernel's last stores into the
 * program's memory. */
void guard_restore_words(void)
{
	if (!tl_word) return;
	*tl_word = tl_saved;
	msync((void *)((uintptr_t)tl_word & -4096UL), 4096, MS_SYNC);
}

static int record_threads(int dir, struct zq_header *h, struct held *held, size_t n, int sig)
{
	struct zq_thread *t = ZQ_THREADS(h);
	char path[64];
	int mem, err = 0;
	size_t i, k;

	snprintf(path, sizeof path, "%s/mem", proc);
	mem = open(path, O_RDWR|O_CLOEXEC);
	if (mem < 0) return errno;
	find_altstacks(h, mem, held, n);
	/* A thread in the exit tail has given its stack and the runtime's
	 * lock back and removed itself from musl's thread list: all that was
	 * left was SYS_exit, so it is not resumed, as if it had made it. */
	for (i = 0; i < n; i++)
		if ((held[i].gone = in_exit_tail(mem, &held[i])) && finish_tail(dir, h, &held[i])) {
			close(mem);
			return -1;
		}
	if (thread_list_held(dir, mem, h, held, n)) {
		close(mem);
		return -1;
	}
	for (k = i = 0; i < n && !err; i++) {
		uint64_t frame;
		if (held[i].gone) continue;
		if (!frame_fits(h, guard_frame_low(&held[i]), held[i].regs.rsp)) {
			err = -1; /* on a stack that is not image memory: the shim's, or one given back */
			break;
		}
		if (guard_push_frame(mem, &held[i], sig, &frame)) {
			err = errno ? errno : EIO;
			break;
		}
		memset(&t[k], 0, sizeof t[k]);
		t[k].tid = t[k].mem_tid = held[i].tid;
		t[k].tp = held[i].regs.fs_base;
		t[k].frame = frame;
		t[k].signo = sig;
		if (!held[i].ss_flags) {
			t[k].ss_sp = held[i].ss_sp;
			t[k].ss_size = held[i].ss_size;
		}
		memcpy(t[k].comm, held[i].comm, sizeof t[k].comm);
		__sync_synchronize();
		t[k].state = ZQ_THREAD_CAPTURED;
		h->thread_count = ++k;
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

static int cloexec_of(int fd)
{
	char path[64], text[512], *s;
	int f;
	ssize_t n;

	snprintf(path, sizeof path, "%s/fdinfo/%d", proc, fd);
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
#define PIDFD_THREAD O_EXCL

static int take_descriptors(pid_t pid, int *fds, int n)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), own[4096], m, i, max = 2;
	struct rlimit lim;

	/* The thread the save reads through, not always the leader. */
	if (pidfd < 0 && (errno == ENOENT || errno == EINVAL)) pidfd = syscall(SYS_pidfd_open, pid, PIDFD_THREAD);
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
		fcntl(fds[i], F_SETFD, cloexec_of(fds[i]) ? FD_CLOEXEC : 0);
	}
	close(pidfd);
	return 0;
}

/* Where the program was and its umask, which the runtime's save reads
 * from its own process. */
static void take_cwd_umask(void)
{
	char path[64], text[4096], *s;
	int f;
	ssize_t n;

	snprintf(path, sizeof path, "%s/cwd", proc);
	if (chdir(path)) chdir("/");
	snprintf(path, sizeof path, "%s/status", proc);
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

void guard_save(int dir, pid_t pid, pid_t tid, struct held *held, size_t n, int sig, int fault)
{
	uint64_t t0 = now(CLOCK_MONOTONIC);
	struct zq_header *h = map_context(dir);
	static int fds[1 << 16];
	char path[64];
	int err, nfd;

	snprintf(proc, sizeof proc, "/proc/%d/task/%d", pid, tid);
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
			record_threads(dir, h, held, n, sig);
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
	 * barrier, which a second resume could not take up again. A SIGPWR
	 * capture half way (the thread table filled) is the same. A thread
	 * holding the runtime's lock is not: its section is resumable at
	 * every instruction (docs/design.md, "Runtime sections"). */
	if (h->thread_count || (guard_resuming && !h->resume_go)) {
		lose(h, ZQ_LOST_RUNTIME, 0);
		h->state = ZQ_STATE_LOST;
		return;
	}
	if (!thread_list_seen(held, n)) {
		lose(h, ZQ_LOST_GUARD, ESRCH);
		h->state = ZQ_STATE_LOST;
		return;
	}
	if ((err = make_room(dir, n)) || (err = record_threads(dir, h, held, n, sig))) {
		lose(h, err < 0 ? ZQ_LOST_RUNTIME : ZQ_LOST_GUARD, err < 0 ? 0 : err);
		h->state = ZQ_STATE_LOST;
		return;
	}
	snprintf(path, sizeof path, "%s/fd", proc);
	nfd = numbers(path, fds, sizeof fds / sizeof *fds);
	if (nfd < 0 || (err = take_descriptors(tid, fds, nfd))) {
		lose(h, ZQ_LOST_FDS, nfd < 0 ? errno : err);
		h->state = ZQ_STATE_LOST;
		close_all_but_std();
		return;
	}
	take_cwd_umask();
	/* Set only now: while it is set, the guard's own mmap or malloc
	 * would land in the program's tables. The save makes neither. */
	if (h->lock) h->sections_caught++;
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

/* The threads of a dying process never all reached their exit stops
 * (guard_give_up is called after a deadline): nothing half known is
 * saved, and the image says so rather than the guard waiting forever. */
void guard_give_up(int dir)
{
	struct zq_header *h = map_context(dir);

	if (!h || h->magic != ZQ_MAGIC || h->abi_version != ZQ_ABI_VERSION
	    || h->state != ZQ_STATE_RUNNING)
		return;
	lose(h, ZQ_LOST_GUARD, ETIMEDOUT);
	h->state = ZQ_STATE_LOST;
}
