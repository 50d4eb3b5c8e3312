#include "zq.h"
#include "atomic.h"
#include "syscall.h"
#include "futex.h"

/* One lock guards the region table: 0 free, 1 held, 2 held with waiters.
 * It lives in the context so that __zq_unmapself_tail can release it
 * after the exiting thread's stack is gone. */
void __zq_lock(void)
{
	volatile int *l = (volatile int *)&__zq_ctx->lock;

	if (!a_cas(l, 0, 1)) return;
	while (a_swap(l, 2))
		__syscall(SYS_futex, l, FUTEX_WAIT|FUTEX_PRIVATE, 2, 0);
}

void __zq_unlock(void)
{
	volatile int *l = (volatile int *)&__zq_ctx->lock;

	if (a_swap(l, 0) == 2)
		__syscall(SYS_futex, l, FUTEX_WAKE|FUTEX_PRIVATE, 1);
}
