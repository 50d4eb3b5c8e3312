#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>

/* Discarding image memory must zero it, as it does for anonymous memory
 * (allocators rely on that): punch a hole, then take the space again,
 * since the pages stay mapped and a store must not find the disk full.
 * MADV_FREE lets the contents stay, so it costs nothing. Both steps are
 * on the file and the same done twice: a resumed thread redoes them. */
static void discard(const struct zq_region *r, uint64_t a, uint64_t e)
{
	__zq_punch(r->file, r->offset + (a - r->start), e - a);
	if (r->prot) __zq_reserve(r->file, r->offset + (a - r->start), e - a);
}

long __zq_madvise(void *addr, size_t len, int advice)
{
	uint64_t a = (uint64_t)addr, end = a + ZQ_PAGE_UP(len);

	if (!__zq_ctx || (advice != MADV_DONTNEED && advice != MADV_FREE))
		return __syscall(SYS_madvise, addr, len, advice);
	__zq_lock();
	while (a < end) {
		struct zq_region *r = ZQ_REGIONS(__zq_ctx);
		size_t i = __zq_region_find(a);
		uint64_t next = end, e;

		if (i < __zq_ctx->region_count && r[i].start < end)
			next = r[i].start > a ? r[i].start : a;
		if (next > a)
			__syscall(SYS_madvise, a, next - a, advice);
		if (next == end) break;
		e = r[i].end < end ? r[i].end : end;
		if (!ZQ_IMAGE_FILE(r[i].file))
			__syscall(SYS_madvise, next, e - next, advice);
		else if (advice == MADV_DONTNEED)
			discard(&r[i], next, e);
		a = e;
	}
	__zq_unlock();
	return 0;
}
