#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>

/* Discarding image memory must zero it, as it does for anonymous memory
 * (allocators rely on that), and give the space back: punch a hole. */
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
		if (r[i].file == ZQ_FILE_PROGRAM)
			__syscall(SYS_madvise, next, e - next, advice);
		else
			__zq_punch(next, e - next, r[i].prot);
		a = e;
	}
	__zq_unlock();
	return 0;
}
