#include "zq.h"
#include "syscall.h"
#include <errno.h>

long __zq_munmap(void *start, size_t len)
{
	uint64_t a = (uint64_t)start;
	long r;

	if (!__zq_ctx) return __syscall(SYS_munmap, start, len);
	if ((a & (ZQ_PAGE - 1)) || !len || ZQ_PAGE_UP(len) < len) return -EINVAL;
	__zq_lock();
	r = __zq_unmap(a, a + ZQ_PAGE_UP(len));
	__zq_unlock();
	return r;
}
