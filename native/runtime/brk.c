#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>

/* The program break lives in its own file, reserved PROT_NONE by the
 * shim for ZQ_BRK_MAX bytes after the program, like the kernel's heap. */

#define BRK_STEP (256UL << 10)

/* The break's file space is taken up to here. A heap grows a page at a
 * time, so space is taken a step ahead rather than opening the file for
 * every page. */
static uint64_t taken;

static long take(struct zq_header *h, uint64_t top, uint64_t newtop)
{
	uint64_t end = newtop + BRK_STEP, max = h->brk_start + ZQ_BRK_MAX;
	long r;

	if (taken < top) taken = top;
	if (newtop <= taken) return 0;
	if (end > max) end = max;
	r = __zq_reserve(ZQ_FILE_BRK, taken - h->brk_start, end - taken);
	if (r) {
		end = newtop;
		r = __zq_reserve(ZQ_FILE_BRK, taken - h->brk_start, end - taken);
		if (r) return r;
	}
	taken = end;
	return 0;
}

/* Shrinking gives back the space of the pages and of the step ahead. */
static void give_back(struct zq_header *h, uint64_t top, uint64_t newtop)
{
	if (taken > top) __zq_punch(ZQ_FILE_BRK, top - h->brk_start, taken - top);
	taken = newtop;
}

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
		/* Space, then the table, then the pages: a thread resumed
		 * after the table change makes them accessible again. */
		r = take(h, top, newtop);
		if (!r) r = __zq_region_add(&x);
		if (!r && (r = __syscall(SYS_mprotect, top, newtop - top, x.prot)))
			__zq_region_cut(top, newtop);
	} else if (newtop < top) {
		r = __zq_unmap(newtop, top);
		if (!r) give_back(h, top, newtop);
	}
	if (!r) h->brk_cur = want;
	__zq_unlock();
	return h->brk_cur;
}
