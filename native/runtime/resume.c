#include "zq.h"
#include "syscall.h"
#include "atomic.h"
#include "futex.h"
#include "pthread_impl.h"
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <string.h>

/* A recreated thread has its saved tid (the shim creates it with clone3
 * set_tid in the program's own pid namespace), so every tid musl or the
 * program stored is still right. What the kernel writes when a thread
 * dies, its robust list (FUTEX_OWNER_DIED into each mutex it holds) and
 * clear_child_tid (0 into musl's thread list lock), is given back only
 * once the image is running: a resume killed before then must leave the
 * saved memory as it was, and the guard saves a kill after it. */
static void rejoin(struct pthread *self)
{
	__syscall(SYS_set_tid_address, &__thread_list_lock);
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

/* The leader lets every thread go at once, once all have registered
 * their robust lists, names and sigaltstacks. */
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

	/* Its name, as ps and pgrep show it: the shim's otherwise. */
	if (t->comm[0]) __syscall(SYS_prctl, PR_SET_NAME, t->comm);
	if (t->ss_sp) {
		stack_t ss = { (void *)t->ss_sp, t->ss_flags, t->ss_size };
		__syscall(SYS_sigaltstack, &ss, 0);
		__zq_record_altstack(&ss); /* for the guard */
	}
	/* Any one thread leads; the first entry is always there. */
	if (t == ZQ_THREADS(h)) lead(h, threads);
	else follow(h);
	rejoin(__pthread_self());
	sigreturn(frame);
}
