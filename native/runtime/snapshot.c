#include "zq.h"
#include "syscall.h"
#include "atomic.h"
#include "futex.h"
#include <signal.h>
#include <time.h>

/* A snapshot's SIGPWR: queued (not sent) with ZQ_SNAPSHOT. Anyone who may
 * signal the process may ask; a snapshot only reads it. */
int __zq_is_snapshot(const siginfo_t *si)
{
	return si->si_code == SI_QUEUE && si->si_value.sival_int == ZQ_SNAPSHOT;
}

#define HOLD_MAX_S 120

/* Every thread is captured and the image says saved (or lost): wait for
 * the launcher's ZQ_SNAPSHOT_DONE, SIGPWR being blocked in the handler.
 * 0: go on. -1: a power failure came meanwhile (any other SIGPWR), and
 * the process dies of it with the capture it has. A launcher that never
 * answers lets the program go on after HOLD_MAX_S. */
int __zq_snapshot_hold(void)
{
	unsigned long set = 1UL << (SIGPWR - 1);
	struct timespec ts = { HOLD_MAX_S, 0 };
	siginfo_t si;

	for (;;) {
		int r = __syscall(SYS_rt_sigtimedwait, &set, &si, &ts, _NSIG/8);
		if (r == -EINTR) continue;
		if (r != SIGPWR) return 0;
		if (si.si_code == SI_QUEUE && si.si_value.sival_int == ZQ_SNAPSHOT_DONE) return 0;
		if (__zq_is_snapshot(&si)) continue; /* one asked twice: this one answers both */
		return -1;
	}
}

/* The process goes on as if no SIGPWR had come: the thread table is
 * emptied (each entry free first), the state is running again, and the
 * parked threads return from their handlers to where they were. */
void __zq_snapshot_release(void)
{
	struct zq_header *h = __zq_ctx;
	struct zq_thread *t = ZQ_THREADS(h);
	uint32_t i, n = h->thread_count < h->thread_cap ? h->thread_count : h->thread_cap;

	for (i = 0; i < n; i++) t[i].state = ZQ_THREAD_FREE;
	h->thread_count = 0;
	h->lost_reason = 0;
	h->lost_errno = 0;
	a_barrier();
	h->state = ZQ_STATE_RUNNING;
	a_store(&__zq_snapshot_go, 1);
	a_store(&__zq_failing, 0);
	__syscall(SYS_futex, &__zq_failing, FUTEX_WAKE|FUTEX_PRIVATE, 0x7fffffff);
}
