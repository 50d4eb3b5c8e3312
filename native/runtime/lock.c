#include "zq.h"
#include "atomic.h"
#include "syscall.h"
#include "futex.h"
#include "pthread_impl.h"

/* One lock guards the region table: 0 free, 1 held, 2 held with waiters.
 * It lives in the context so that __zq_unmapself_tail can release it
 * after the exiting thread's stack is gone.
 *
 * A section under the lock changes the table and the kernel's mappings
 * together; a thread must not be captured half way, or its resume would
 * find one changed and not the other. So a failure signal that reaches
 * the holder is deferred: the handler notes it and returns, and the
 * holder raises it again on itself when it unlocks. */
hidden int __zq_tls_ready;
static volatile uintptr_t owner;
static volatile int deferred;

static uintptr_t self(void)
{
	return __zq_tls_ready ? (uintptr_t)__pthread_self() : 1;
}

void __zq_lock(void)
{
	volatile int *l = (volatile int *)&__zq_ctx->lock;

	if (a_cas(l, 0, 1))
		while (a_swap(l, 2))
			__syscall(SYS_futex, l, FUTEX_WAIT|FUTEX_PRIVATE, 2, 0);
	owner = self();
}

void __zq_unlock(void)
{
	volatile int *l = (volatile int *)&__zq_ctx->lock;
	int sig;

	owner = 0;
	sig = a_swap(&deferred, 0);
	if (a_swap(l, 0) == 2)
		__syscall(SYS_futex, l, FUTEX_WAKE|FUTEX_PRIVATE, 1);
	if (sig) __syscall(SYS_tkill, __pthread_self()->tid, sig);
}

int __zq_defer(int sig)
{
	if (!__zq_tls_ready || owner != self()) return 0;
	deferred = sig;
	return 1;
}

void __zq_forget_deferred(void)
{
	deferred = 0;
	owner = 0;
}
