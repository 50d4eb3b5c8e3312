#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>
#include <string.h>
#include <errno.h>

/* Move by copying: the arena's offsets are its addresses, so pages cannot
 * change address and keep their file offset. */
static long move(const struct zq_region *x, uint64_t a, uint64_t oldlen,
	uint64_t b, uint64_t newlen, int fixed)
{
	uint64_t n = oldlen < newlen ? oldlen : newlen;
	long r;

	r = __zq_place(b, newlen, PROT_READ|PROT_WRITE, fixed ? MAP_FIXED : 0);
	if (r) return r;
	/* Each change of protection is in the table before the kernel's:
	 * a thread resumed in the copy finds both ranges as it needs them. */
	if (!(x->prot & PROT_READ)
	    && !__zq_region_protect(a, a + oldlen, x->prot | PROT_READ))
		__syscall(SYS_mprotect, a, oldlen, x->prot | PROT_READ);
	memcpy((void *)b, (void *)a, n);
	if (x->prot != (PROT_READ|PROT_WRITE)
	    && !__zq_region_protect(b, b + newlen, x->prot))
		__syscall(SYS_mprotect, b, newlen, x->prot);
	__zq_unmap(a, a + oldlen);
	return b;
}

static long grow_in_place(const struct zq_region *x, uint64_t a,
	uint64_t oldlen, uint64_t newlen)
{
	struct zq_region y = *x;

	if (x->file != ZQ_FILE_ARENA || x->end != a + oldlen
	    || !__zq_arena_free(a + oldlen, a + newlen))
		return -ENOMEM;
	y.offset += x->end - x->start;
	y.start = x->end;
	y.end = a + newlen;
	if (y.prot && (__zq_arena_grow(y.start, y.end)
	    || __zq_reserve(y.file, y.offset, y.end - y.start)))
		return -ENOMEM;
	if (__zq_region_add(&y)) return -ENOMEM;
	if (__syscall(SYS_mprotect, y.start, y.end - y.start, y.prot)) {
		__zq_region_cut(y.start, y.end);
		return -ENOMEM;
	}
	return a;
}

static long remap(uint64_t a, uint64_t oldlen, uint64_t newlen, int flags,
	uint64_t want)
{
	struct zq_region *r = ZQ_REGIONS(__zq_ctx), x;
	size_t i = __zq_region_find(a);
	long ret;

	if (i == __zq_ctx->region_count || r[i].start > a
	    || r[i].end < a + oldlen)
		return -EFAULT;
	x = r[i];
	if (x.file >= ZQ_FILE_MAPPED)
		return __zq_remap_file(&x, a, oldlen, newlen, flags);
	if (flags & MREMAP_FIXED) {
		if ((want & (ZQ_PAGE - 1)) || (want < a + oldlen && a < want + newlen))
			return -EINVAL;
		return move(&x, a, oldlen, want, newlen, 1);
	}
	if (newlen <= oldlen) {
		if (newlen < oldlen) __zq_unmap(a + newlen, a + oldlen);
		return a;
	}
	ret = grow_in_place(&x, a, oldlen, newlen);
	if (ret >= 0 || !(flags & MREMAP_MAYMOVE)) return ret;
	want = __zq_arena_alloc(newlen);
	return want ? move(&x, a, oldlen, want, newlen, 0) : -ENOMEM;
}

long __zq_mremap(void *old, size_t oldlen, size_t newlen, int flags, void *new)
{
	uint64_t a = (uint64_t)old;
	size_t i;
	long r;

	if (!__zq_ctx)
		return __syscall(SYS_mremap, old, oldlen, newlen, flags, new);
	if ((a & (ZQ_PAGE - 1)) || !newlen || (flags & MREMAP_DONTUNMAP))
		return -EINVAL;
	oldlen = ZQ_PAGE_UP(oldlen);
	newlen = ZQ_PAGE_UP(newlen);
	__zq_lock();
	i = __zq_region_find(a);
	if (i < __zq_ctx->region_count && ZQ_REGIONS(__zq_ctx)[i].start <= a)
		r = remap(a, oldlen, newlen, flags, (uint64_t)new);
	else if (__zq_in_arena(a, a + oldlen))
		r = -EFAULT;
	else
		r = __syscall(SYS_mremap, old, oldlen, newlen, flags, new);
	__zq_unlock();
	return r;
}
