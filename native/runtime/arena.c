#include "zq.h"
#include "syscall.h"
#include <errno.h>

/* Anonymous memory is carved from one sparse arena file mapped over
 * [ZQ_ARENA_BASE, +ZQ_ARENA_SIZE) with PROT_NONE. A region's file offset
 * is its address minus the base, so placing memory is an mprotect and
 * freeing it is a hole punch: no file or mapping is created per mmap. */

int __zq_in_arena(uint64_t start, uint64_t end)
{
	return start >= ZQ_ARENA_BASE && end <= ZQ_ARENA_BASE + ZQ_ARENA_SIZE
		&& start < end;
}

int __zq_arena_free(uint64_t start, uint64_t end)
{
	size_t i = __zq_region_find(start);

	if (!__zq_in_arena(start, end)) return 0;
	return i == __zq_ctx->region_count
		|| ZQ_REGIONS(__zq_ctx)[i].start >= end;
}

/* Next fit from where the last allocation ended, wrapping once: it keeps
 * allocations packed, so their mappings merge, and finds space fast. */
uint64_t __zq_arena_alloc(uint64_t len)
{
	const uint64_t lo = ZQ_ARENA_BASE, hi = ZQ_ARENA_BASE + ZQ_ARENA_SIZE;
	struct zq_region *r = ZQ_REGIONS(__zq_ctx);
	uint64_t a = __zq_ctx->arena_hint;
	int pass;

	if (a < lo || a >= hi) a = lo;
	for (pass = 0; pass < 2; pass++, a = lo) {
		size_t i = __zq_region_find(a), n = __zq_ctx->region_count;
		for (;; i++) {
			uint64_t limit = i < n && r[i].start < hi ? r[i].start : hi;
			if (limit >= a && limit - a >= len) {
				__zq_ctx->arena_hint = a + len;
				return a;
			}
			if (limit == hi) break;
			if (r[i].end > a) a = r[i].end;
		}
	}
	return 0;
}

/* The arena file is about as long as the highest arena memory handed
 * out, rounded up to a step, so that ls, tar and cp see about what is
 * used rather than 8 TiB. A page past the end of a shared file mapping is
 * a SIGBUS, so the file grows before a range becomes accessible, and is
 * cut back only past the last region of the table, once that is well
 * below it (the slack keeps churn at the top from truncating every
 * time). The length lives in .data, which is image memory: at resume it
 * is the file's again. */
#define ARENA_STEP 0x100000ULL
#define ARENA_SLACK 0x800000ULL

static uint64_t arena_len;

long __zq_arena_grow(uint64_t a, uint64_t b)
{
	const uint64_t lo = ZQ_ARENA_BASE, hi = ZQ_ARENA_BASE + ZQ_ARENA_SIZE;
	uint64_t need;

	if (b > hi) b = hi;
	if (a < lo) a = lo;
	if (a >= b || b - lo <= arena_len) return 0;
	need = (b - lo + ARENA_STEP - 1) & -ARENA_STEP;
	if (__syscall(SYS_ftruncate, __zq_ctx->arena_fd, need)) return -ENOMEM;
	arena_len = need;
	return 0;
}

/* After an unmap: the next fit starts again where the freed range did,
 * so a program that maps and unmaps reuses its addresses rather than
 * marching up the arena (and its file's length with it). */
void __zq_arena_freed(uint64_t start, uint64_t end)
{
	const uint64_t lo = ZQ_ARENA_BASE, hi = ZQ_ARENA_BASE + ZQ_ARENA_SIZE;
	struct zq_region *r = ZQ_REGIONS(__zq_ctx);
	size_t i = __zq_region_find(hi);
	uint64_t top = lo, need;

	if (!__zq_in_arena(start, end)) return;
	if (start < __zq_ctx->arena_hint && end >= __zq_ctx->arena_hint)
		__zq_ctx->arena_hint = start;
	if (i > 0 && r[i-1].end > lo) top = r[i-1].end;
	need = (top - lo + ARENA_STEP - 1) & -ARENA_STEP;
	if (need >= arena_len || arena_len - need < ARENA_SLACK) return;
	__zq_hold_drop(need, UINT64_MAX);
	__zq_punched(ZQ_FILE_ARENA, need, arena_len - need);
	if (!__syscall(SYS_ftruncate, __zq_ctx->arena_fd, need)) arena_len = need;
}
