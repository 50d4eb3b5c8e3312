#include "zq.h"
#include "syscall.h"
#include "atomic.h"
#include "futex.h"
#include "pthread_impl.h"
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* Set while a failure is being captured; a resume clears it. */
hidden volatile int __zq_failing;
/* Set while a snapshot lets its parked threads go (snapshot.c). */
hidden volatile int __zq_snapshot_go;

#define CAPTURE_TIMEOUT_NS 2000000000ULL
#define RESEND_NS 10000000ULL

static uint64_t now(int clock)
{
	struct timespec ts;
	__syscall(SYS_clock_gettime, clock, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void block_all(void)
{
	unsigned long all = -1UL;
	__syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, 0, _NSIG/8);
}

static void save_altstack(struct zq_thread *t)
{
	stack_t ss;

	t->ss_sp = t->ss_size = t->ss_flags = 0;
	if (__syscall(SYS_sigaltstack, 0, &ss) || (ss.ss_flags & SS_DISABLE)) return;
	t->ss_sp = (uint64_t)ss.ss_sp;
	t->ss_size = ss.ss_size;
	t->ss_flags = ss.ss_flags & ~SS_ONSTACK;
}

/* The first reason a failure cannot be saved wins; the header keeps it
 * for the launcher to say why the failure was lost. */
static void lose(uint32_t reason, int err)
{
	struct zq_header *h = __zq_ctx;

	if (a_cas((volatile int *)&h->lost_reason, 0, reason)) return;
	h->lost_errno = err;
}

/* The kernel pushed this thread's registers, FP state and mask as a
 * signal frame on its own stack, which is image memory: recording where
 * it is, and the thread pointer the frame does not hold, is the save. */
static int record(void *uc, int sig)
{
	struct zq_header *h = __zq_ctx;
	uint32_t i = a_fetch_add((volatile int *)&h->thread_count, 1);
	struct zq_thread *t = ZQ_THREADS(h) + i;

	if (i >= h->thread_cap) {
		lose(ZQ_LOST_THREADS, 0);
		return -1;
	}
	if (__zq_in_section())
		a_inc((volatile int *)&h->sections_caught);
	t->tid = __syscall(SYS_gettid);
	t->tp = (uint64_t)__pthread_self();
	t->frame = (uint64_t)uc;
	t->signo = sig;
	__syscall(SYS_prctl, PR_GET_NAME, t->comm);
	save_altstack(t);
	a_barrier();
	t->state = ZQ_THREAD_CAPTURED;
	return 0;
}

/* Until the process dies, or a snapshot lets its threads go on. */
static void park(void)
{
	for (;;) {
		__syscall(SYS_futex, &__zq_failing, FUTEX_WAIT|FUTEX_PRIVATE, 1, 0);
		if (__zq_snapshot_go) return;
	}
}

static int captured(int tid)
{
	struct zq_header *h = __zq_ctx;
	struct zq_thread *t = ZQ_THREADS(h);
	uint32_t i, n = h->thread_count;

	for (i = 0; i < n && i < h->thread_cap; i++)
		if (t[i].state == ZQ_THREAD_CAPTURED && t[i].tid == tid) return 1;
	return 0;
}

struct stopping {
	int pid, self, send, left, listed, last;
};

static void stop_one(uint64_t tid, int dir, void *arg)
{
	struct stopping *st = arg;

	(void)dir;
	st->listed++;
	if ((int)tid == st->self || captured(tid)) return;
	st->left++;
	st->last = tid;
	if (st->send) __syscall(SYS_tgkill, st->pid, tid, ZQ_SIGSTOP_THREAD);
}

/* A thread not yet captured in the last look, for a timeout's report. */
static int late_tid;

/* Signal every thread of the process that has not been captured yet and
 * return how many there are (or a negative errno). The kernel's task list is the truth: it also
 * holds threads being created, which musl's list does not yet. */
static int stop_others(int pid, int self, int send)
{
	struct stopping st = { pid, self, send, 0, 0, 0 };
	long r = __zq_each_number("/proc/self/task", stop_one, &st), total;

	if (r) return r;
	late_tid = st.last;
	/* A listing cut short by a thread being reaped: look again. */
	total = __zq_thread_total();
	if (total < 0) return total;
	if (total != st.listed && !st.left) return 1;
	return st.left;
}

/* image.h's ZQ_LOST_TIMEOUT detail: the late thread's tid and the state
 * letter /proc/self/task/TID/stat shows after its "(comm)". */
static int late_thread(void)
{
	char path[48] = "/proc/self/task/", buf[256], *s = 0;
	int tid = late_tid, fd, n, i;

	if (tid <= 0) return 0;
	memcpy(__zq_decimal(path + 16, tid), "/stat", 6);
	fd = __syscall(SYS_open, path, O_RDONLY|O_CLOEXEC);
	if (fd < 0) return tid & 0xffffff;
	n = __syscall(SYS_read, fd, buf, sizeof buf - 1);
	__syscall(SYS_close, fd);
	for (i = 0; i < n; i++) if (buf[i] == ')') s = buf + i;
	if (!s || s + 2 >= buf + n) return tid & 0xffffff;
	return (tid & 0xffffff) | (s[2] & 0x7f) << 24;
}

static void pause_briefly(void)
{
	struct timespec ts = { 0, 100000 };
	__syscall(SYS_nanosleep, &ts, 0);
}

/* On a disk filesystem the pages must reach the disk before the image
 * says saved; on tmpfs or DAX the stores are already where they belong. */
static void sync_image(void)
{
	struct zq_header *h = __zq_ctx;
	uint64_t t0 = now(CLOCK_MONOTONIC);
	uint32_t i, n = zq_region_total(h);

	/* The table as the resume will see it: a thread stopped in an edit
	 * leaves it half moved. */
	for (i = 0; i < n; i++) {
		struct zq_region r = zq_region_view(h, i);
		if (r.file != ZQ_FILE_PROGRAM && (r.prot & PROT_WRITE))
			__syscall(SYS_msync, r.start, r.end - r.start, MS_SYNC);
	}
	/* The context up to the end of the save area: the descriptor table
	 * and the bytes it names are as much a part of the image. */
	__syscall(SYS_msync, ZQ_CONTEXT_ADDR, ZQ_PAGE_UP(h->save_off + h->save_len), MS_SYNC);
	h->sync_ns = now(CLOCK_MONOTONIC) - t0;
}

/* Die of the power failure, as the process would have without Zhuque:
 * the launcher sees SIGPWR as the cause and reads the state. */
static _Noreturn void die_of_power(void)
{
	unsigned long m = 1UL << (SIGPWR - 1);
	struct { void *h; unsigned long f; void *r; unsigned m[2]; } dfl = { 0 };

	__syscall(SYS_rt_sigaction, SIGPWR, &dfl, 0, _NSIG/8);
	__syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, 0, _NSIG/8);
	__syscall(SYS_kill, __syscall(SYS_getpid), SIGPWR);
	for (;;) __syscall(SYS_exit_group, 128 + SIGPWR);
}

/* The thread table takes file space for the threads there are now, and
 * a few being born, before they are stopped: a table that cannot grow
 * on a full filesystem loses the failure rather than die of SIGBUS. */
static int make_room_for_threads(int pid, int self)
{
	static uint64_t taken = ZQ_RESERVE_CHUNK;
	int n = stop_others(pid, self, 0);

	if (n < 0) {
		lose(ZQ_LOST_TASKS, -n);
		return -1;
	}
	if (__zq_reserve_table(ZQ_THREADS_OFF, &taken,
	    (n + 64) * (uint64_t)sizeof(struct zq_thread))) {
		lose(ZQ_LOST_THREADS, __zq_space_error);
		return -1;
	}
	return 0;
}

/* The capture opens /proc/self/task, /proc/self/fd and the image's
 * files: a program at its soft descriptor limit must not lose its failure
 * for want of a descriptor. The process dies after the save anyway. */
struct limit { uint64_t cur, max; };

static void allow_descriptors(struct limit *old)
{
	struct limit lim;

	old->cur = 0;
	if (__syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &lim) || lim.cur >= lim.max) return;
	*old = lim;
	lim.cur = lim.max;
	__syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, 0);
}

/* musl passes the thread list lock's wake-up along: the kernel wakes one
 * waiter when the holder exits, and that one, in __tl_sync, wakes the
 * next. Stopped right after its own wake-up, it passes nothing on, and
 * the threads left asleep (in pthread_create or pthread_exit, every
 * signal of theirs blocked) could not be captured though the lock is
 * free. Waking them all costs nothing: each looks at the lock again. */
static void wake_list_waiters(void)
{
	__syscall(SYS_futex, &__thread_list_lock, FUTEX_WAKE, 0x7fffffff);
}

/* A failure: capture every thread, save, die of SIGPWR. A snapshot: the
 * same capture, then hold every thread while the launcher copies the
 * image, and go on (the state back to running, the table emptied). */
static void coordinate(void *uc, int sig, int snapshot)
{
	struct zq_header *h = __zq_ctx;
	uint64_t t0 = now(CLOCK_MONOTONIC), resend = 0;
	int pid = __syscall(SYS_getpid), self = __syscall(SYS_gettid);
	int left, tracker = -1;
	struct limit old;

	if (snapshot) __zq_snapshot_go = 0; /* the last one's threads are long gone on */
	allow_descriptors(&old);
	if (!make_room_for_threads(pid, self)) record(uc, sig);
	while (!h->lost_reason) {
		uint64_t t = now(CLOCK_MONOTONIC);
		left = stop_others(pid, self, t >= resend);
		if (!left) break;
		if (t >= resend) {
			resend = t + RESEND_NS;
			wake_list_waiters();
		}
		if (left < 0) lose(ZQ_LOST_TASKS, -left);
		else if (t - t0 > CAPTURE_TIMEOUT_NS) lose(ZQ_LOST_TIMEOUT, late_thread());
		else pause_briefly();
	}
	if (!h->lost_reason) __zq_save_fds();
	if (h->lost_reason) {
		if (h->thread_count > h->thread_cap) h->thread_count = h->thread_cap;
		h->state = ZQ_STATE_LOST;
	} else {
		if (h->flags & ZQ_FLAG_SYNC) sync_image();
		/* After the descriptors are saved (the tracker is not the
		 * program's) and before the state says saved, which is when
		 * the launcher looks for it. */
		if (snapshot) tracker = __zq_snapshot_arm();
		if (!snapshot) h->failures++;
		h->saved_ns = now(CLOCK_REALTIME);
		h->save_ns = now(CLOCK_MONOTONIC) - t0;
		a_barrier();
		h->state = ZQ_STATE_SAVED;
		h->checksum = zq_checksum(h);
		if (h->flags & ZQ_FLAG_SYNC)
			__syscall(SYS_msync, ZQ_CONTEXT_ADDR, ZQ_PAGE, MS_SYNC);
	}
	if (snapshot && !__zq_snapshot_hold()) {
		/* The launcher has its own copy of the tracker by now, or none. */
		if (tracker >= 0) __syscall(SYS_close, tracker);
		if (old.cur) __syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &old, 0);
		__zq_snapshot_release();
		return;
	}
	/* A power failure while the snapshot was held: what was captured is it. */
	if (snapshot && h->state == ZQ_STATE_SAVED) {
		h->failures++;
		h->checksum = zq_checksum(h);
	}
	die_of_power();
}

void __zq_on_power(int sig, siginfo_t *si, void *uc)
{
	block_all();
	if (a_swap(&__zq_failing, 1)) {
		/* A second SIGPWR while saving, taken by another thread:
		 * that thread is captured like the others. */
		record(uc, sig);
		park();
		return;
	}
	coordinate(uc, sig, __zq_is_snapshot(si));
}

/* The call owed to the program's SIGPWR handler after a resume (resume.c
 * sends it). It runs as a SIGPWR handler would, except that the runtime's
 * signals stay open: a failure during the handler stops this thread too. */
static int owed_power(const siginfo_t *si)
{
	return si->si_code == SI_QUEUE && si->si_value.sival_int == ZQ_OWED_POWER
		&& si->si_pid == __syscall(SYS_getpid);
}

static void notify(const siginfo_t *si, void *uc)
{
	unsigned long m = 1UL << (SIGPWR - 1) | 1UL << (ZQ_SIGSTOP_THREAD - 1);
	siginfo_t pwr = *si;

	if (!a_swap((volatile int *)&__zq_ctx->pwr_pending, 0)) return;
	pwr.si_signo = SIGPWR;
	pwr.si_code = SI_USER;
	pwr.si_value.sival_int = 0;
	__syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, 0, _NSIG/8);
	__zq_call_app_power(SIGPWR, &pwr, uc);
}

void __zq_on_stop(int sig, siginfo_t *si, void *uc)
{
	if (!__zq_failing && owed_power(si)) {
		notify(si, uc);
		return;
	}
	if (!__zq_failing) return;
	block_all();
	record(uc, sig);
	park();
}
