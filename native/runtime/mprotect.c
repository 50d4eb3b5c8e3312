#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>
#include <errno.h>

/* True when every page of [a,b) inside the arena is mapped in the table:
 * free arena is PROT_NONE file mapping to the kernel, but unmapped to
 * the program, and must stay so. */
static int arena_covered(uint64_t a, uint64_t b)
{
	struct zq_region *r = ZQ_REGIONS(__zq_ctx);
	size_t i = __zq_region_find(a), n = __zq_ctx->region_count;

	if (a < ZQ_ARENA_BASE) a = ZQ_ARENA_BASE;
	if (b > ZQ_ARENA_BASE + ZQ_ARENA_SIZE) b = ZQ_ARENA_BASE + ZQ_ARENA_SIZE;
	for (; a < b; i++) {
		if (i == n || r[i].start > a) return 0;
		a = r[i].end;
	}
	return 1;
}

long __zq_mprotect(void *addr, size_t len, int prot)
{
	uint64_t a = (uint64_t)addr, b = a + len;
	long r;

	if (!__zq_ctx) return __syscall(SYS_mprotect, addr, len, prot);
	__zq_lock();
	if (!arena_covered(a, b)) {
		r = -ENOMEM;
	} else if ((prot & PROT_WRITE) && __zq_maps_file(a, b)) {
		/* A recorded file mapping is mapped again from its file at
		 * resume: a store into it would be lost, so it stays read-only. */
		r = -EACCES;
	} else if (!(r = prot ? __zq_arena_grow(a, b) : 0)
	           && !(r = prot ? __zq_reserve_range(a, b) : 0)
	           && !(r = __zq_region_protect(a, b, prot))) {
		/* The table first: resumed here, the thread finds the
		 * pages as the table says and protects them again. */
		r = __syscall(SYS_mprotect, addr, len, prot);
	}
	__zq_unlock();
	return r;
}
