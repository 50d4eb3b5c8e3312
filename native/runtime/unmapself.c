#include "zq.h"
#include "pthread_impl.h"
#include "syscall.h"
#include <signal.h>

/* A detached thread frees its own stack while running on it. It takes
 * the runtime's lock early in pthread_exit, before musl's thread list
 * lock: a failure may stop the lock's holder inside its section, and a
 * thread waiting for the list lock with every signal blocked could then
 * never be captured. musl has blocked the program's signals by then, so
 * the runtime's are opened while it waits (only if it must): it is
 * captured there like any other, on a stack it still has. */
void __zq_exit_lock(void)
{
	unsigned long runtime = 1UL << (SIGPWR - 1) | 1UL << (ZQ_SIGSTOP_THREAD - 1);

	if (!__zq_ctx || __zq_trylock()) return;
	__syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &runtime, 0, _NSIG/8);
	__zq_lock();
	__syscall(SYS_rt_sigprocmask, SIG_BLOCK, &runtime, 0, _NSIG/8);
}

/* The last thread does not free its stack: it runs the exit. */
void __zq_exit_unlock(void)
{
	if (__zq_ctx) __zq_unlock();
}

/* The table entry goes first; the tail then gives the pages back without
 * touching the stack (a hole punched in the arena by descriptor, then
 * PROT_NONE: both the same done twice, so a thread resumed anywhere in
 * it finishes), and only then releases the lock, so no other thread can
 * be given this range while it is still in use. */
_Noreturn void __zq_unmapself(void *base, size_t size)
{
	uint64_t a = (uint64_t)base;

	if (!__zq_ctx) __unmapself(base, size);
	if (__zq_in_arena(a, a + size))
		__zq_hold_drop(a - ZQ_ARENA_BASE, a + size - ZQ_ARENA_BASE);
	__zq_region_cut(a, a + size);
	if (__zq_in_arena(a, a + size))
		__zq_punched(ZQ_FILE_ARENA, a - ZQ_ARENA_BASE, size);
	__zq_unmapself_tail(base, size, &__zq_ctx->lock,
		__zq_in_arena(a, a + size) ? __zq_ctx->arena_fd : -1,
		a - ZQ_ARENA_BASE);
}
