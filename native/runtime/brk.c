#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>

/* The program break lives in its own file, reserved PROT_NONE by the
 * shim for ZQ_BRK_MAX bytes after the program, like the kernel's heap. */
long __zq_brk(void *p)
{
	struct zq_header *h = __zq_ctx;
	uint64_t want = (uint64_t)p, top, newtop;
	long r = 0;

	if (!h) return __syscall(SYS_brk, p);
	if (want < h->brk_start || want > h->brk_start + ZQ_BRK_MAX)
		return h->brk_cur;
	__zq_lock();
	top = ZQ_PAGE_UP(h->brk_cur);
	newtop = ZQ_PAGE_UP(want);
	if (newtop > top) {
		struct zq_region x = {
			.start = top, .end = newtop, .offset = top - h->brk_start,
			.prot = PROT_READ|PROT_WRITE, .file = ZQ_FILE_BRK,
		};
		r = __syscall(SYS_mprotect, top, newtop - top, x.prot);
		if (!r) r = __zq_region_add(&x);
	} else if (newtop < top) {
		r = __zq_unmap(newtop, top);
	}
	if (!r) h->brk_cur = want;
	__zq_unlock();
	return h->brk_cur;
}
