#include "zq.h"
#include "pthread_impl.h"

/* A detached thread frees its own stack while running on it. The table
 * entry goes first, under the lock; the tail then punches and protects
 * the pages without touching the stack, and only then releases the lock,
 * so no other thread can be given this range while it is still in use. */
_Noreturn void __zq_unmapself(void *base, size_t size)
{
	if (!__zq_ctx) __unmapself(base, size);
	__zq_lock();
	__zq_region_cut((uint64_t)base, (uint64_t)base + size);
	__zq_unmapself_tail(base, size, &__zq_ctx->lock);
}
