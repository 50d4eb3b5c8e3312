#include "zq.h"
#include "atomic.h"
#include "syscall.h"
#include "futex.h"
#include "pthread_impl.h"

/* One lock guards the region table: 0 free, 1 held, 2 held with waiters.
 * It lives in the context so that __zq_unmapself_tail can release it
 * after the exiting thread's stack is gone.
 *
 * A failure may stop the holder anywhere in its section: every section
 * can be resumed at any instruction (image.h, "Runtime sections"), so a
 * failure signal is taken at once, like a SIGKILL, and a resume finds the
 * word held by a thread it brings back, which then releases it. The
 * owner is kept only to count the captures that land inside a section. */
hidden int __zq_tls_ready;
static volatile uintptr_t owner;

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

int __zq_trylock(void)
{
	if (a_cas((volatile int *)&__zq_ctx->lock, 0, 1)) return 0;
	owner = self();
	return 1;
}

void __zq_unlock(void)
{
	volatile int *l = (volatile int *)&__zq_ctx->lock;

	owner = 0;
	if (a_swap(l, 0) == 2)
		__syscall(SYS_futex, l, FUTEX_WAKE|FUTEX_PRIVATE, 1);
}

int __zq_in_section(void)
{
	return __zq_tls_ready && owner == self();
}
