#include "zq.h"
#include "syscall.h"
#include "atomic.h"
#include "futex.h"
#include "pthread_impl.h"
#include "stdio_impl.h"
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <string.h>

/* musl keeps kernel thread ids in a few places: the thread's own struct,
 * the owner of the thread list lock, the owner word of every mutex on the
 * thread's robust list (all but normal mutexes), and stdio FILE locks.
 * A recreated thread has a new tid, so each is rewritten to it. */
static int retag(int word, int a, int b, int tid, int mask)
{
	int owner = word & mask;
	return owner == a || owner == b ? (word & ~mask) | tid : word;
}

/* Threads rewrite at the same time, each only the words naming its own
 * tids: a word is stored only when it changes, so no thread puts back a
 * value another has just rewritten. */
static void retag_word(volatile int *w, int a, int b, int tid, int mask)
{
	int v = *w, n = retag(v, a, b, tid, mask);
	if (n != v) *w = n;
}

/* musl's list of open FILEs (fopen, fdopen, ...) has its head behind
 * __ofl_lock; it is found once at start, when taking the lock is free,
 * because at a resume a captured thread may hold it. */
static FILE **open_files;

void __zq_find_open_files(void)
{
	open_files = __ofl_lock();
	__ofl_unlock();
}

static void retag_files(int a, int b, int tid)
{
	FILE *f;

	retag_word(&stdin->lock, a, b, tid, ~MAYBE_WAITERS);
	retag_word(&stdout->lock, a, b, tid, ~MAYBE_WAITERS);
	retag_word(&stderr->lock, a, b, tid, ~MAYBE_WAITERS);
	for (f = open_files ? *open_files : 0; f; f = f->next)
		retag_word(&f->lock, a, b, tid, ~MAYBE_WAITERS);
}

static void retag_all(struct pthread *self, int a, int b, int tid)
{
	volatile void *volatile *rp;

	self->tid = retag(self->tid, a, b, tid, -1);
	retag_word(&__thread_list_lock, a, b, tid, -1);
	for (rp = self->robust_list.head; rp && rp != &self->robust_list.head; rp = *rp) {
		pthread_mutex_t *m = (void *)((char *)rp - offsetof(pthread_mutex_t, _m_next));
		m->_m_lock = retag(m->_m_lock, a, b, tid, 0x3fffffff);
	}
	retag_files(a, b, tid);
}

/* A resume can be killed half way through, and the image must still
 * resume: the memory then names the saved tid in some places and the cut
 * short resume's tid (mem_tid) in others. So every word goes back to the
 * saved tid first, then mem_tid is recorded, then every word takes the
 * new one; a cut at any point leaves only the two recorded tids. */
static void fix_owners(struct pthread *self, struct zq_thread *t, int tid)
{
	retag_all(self, t->tid, t->mem_tid, t->tid);
	a_barrier();
	t->mem_tid = tid;
	a_barrier();
	retag_all(self, t->tid, t->tid, tid);
	if (self->robust_list.off)
		__syscall(SYS_set_robust_list, &self->robust_list, 3*sizeof(long));
}

static void wait_while(volatile uint32_t *w, uint32_t v)
{
	while (*w == v)
		__syscall(SYS_futex, w, FUTEX_WAIT|FUTEX_PRIVATE, v, 0);
}

static void follow(struct zq_header *h)
{
	a_inc((volatile int *)&h->resume_ready);
	__syscall(SYS_futex, &h->resume_ready, FUTEX_WAKE|FUTEX_PRIVATE, 1);
	wait_while(&h->resume_go, 0);
}

/* The program's SIGPWR handler is owed a call after a resume. It is sent
 * as the runtime's own signal, queued with a mark, never as a SIGPWR: a
 * pending SIGPWR would merge with a real power failure coming right
 * after the resume, and that failure would be taken for the call. */
static void owe_power(int pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	si.si_signo = ZQ_SIGSTOP_THREAD;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = __syscall(SYS_getuid);
	si.si_value.sival_int = ZQ_OWED_POWER;
	__syscall(SYS_rt_sigqueueinfo, pid, ZQ_SIGSTOP_THREAD, &si);
}

/* A real power failure that came while the resume was restoring waits,
 * blocked, for the program to run: it is taken first, and the call owed
 * for this resume is made after the next one. Without this the owed call
 * could start on one thread while the failure stops another. */
static int power_pending(void)
{
	unsigned long set = 0;

	__syscall(SYS_rt_sigpending, &set, _NSIG/8);
	return set >> (SIGPWR - 1) & 1;
}

/* The leader lets every thread go at once, once all have fixed their
 * tids: until then no program code runs that could name an old tid. */
static void lead(struct zq_header *h, uint32_t threads)
{
	struct zq_thread *t = ZQ_THREADS(h);
	uint32_t i, r;
	int owe;

	while ((r = h->resume_ready) < threads - 1)
		__syscall(SYS_futex, &h->resume_ready, FUTEX_WAIT|FUTEX_PRIVATE, r, 0);
	__zq_failing = 0;
	__zq_reinstall_actions();
	/* Running is the first change the checksum sees: cut short before
	 * it, the image is still the saved one. */
	a_barrier();
	h->state = ZQ_STATE_RUNNING;
	a_barrier();
	for (i = 0; i < threads; i++) t[i].state = ZQ_THREAD_FREE;
	h->thread_count = 0;
	h->resume_ready = 0;
	h->resumes++;
	h->pid = __syscall(SYS_getpid);
	h->pwr_pending = __zq_app_handles_power();
	owe = h->pwr_pending && !power_pending();
	a_store((volatile int *)&h->resume_go, 1);
	__syscall(SYS_futex, &h->resume_go, FUTEX_WAKE|FUTEX_PRIVATE, 0x7fffffff);
	if (owe) owe_power(h->pid);
}

static _Noreturn void sigreturn(uint64_t frame)
{
	__asm__ volatile ("mov %0,%%rsp ; mov $15,%%eax ; syscall"
		: : "r"(frame) : "memory");
	__builtin_unreachable();
}

/* Entered by every thread the shim recreates, on its own stack below its
 * saved frame, with its thread pointer set and all signals blocked. */
_Noreturn void __zq_resume_thread(struct zq_thread *t)
{
	struct zq_header *h = __zq_ctx;
	uint64_t frame = t->frame;
	uint32_t threads = h->thread_count;
	int tid = __syscall(SYS_gettid);

	fix_owners(__pthread_self(), t, tid);
	/* Its name, as ps and pgrep show it: the shim's otherwise. */
	if (t->comm[0]) __syscall(SYS_prctl, PR_SET_NAME, t->comm);
	if (t->ss_sp) {
		stack_t ss = { (void *)t->ss_sp, t->ss_flags, t->ss_size };
		__syscall(SYS_sigaltstack, &ss, 0);
		__zq_record_altstack(&ss); /* under the new tid, for the guard */
	}
	if (tid == __syscall(SYS_getpid)) lead(h, threads);
	else follow(h);
	sigreturn(frame);
}
