#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>
#include <errno.h>

/* Anonymous memory becomes image memory, and so does a private writable
 * file mapping, a copy of the file (mapcopy.c); other file mappings stay
 * the kernel's, recorded to be mapped again at resume (mapfile.c).
 * MAP_32BIT cannot be honoured by the arena, so it is not persistent
 * (docs/limitations.md). */
long __zq_mmap(void *start, size_t len, int prot, int flags, int fd, off_t off)
{
	uint64_t a = (uint64_t)start;
	long r;

	if (__zq_ctx && !(flags & MAP_ANONYMOUS) && (prot & PROT_WRITE)
	    && (flags & MAP_TYPE) == MAP_PRIVATE)
		return __zq_map_copy(start, len, prot, flags, fd, off);
	if (__zq_ctx && !(flags & MAP_ANONYMOUS))
		return __zq_map_file(start, len, prot, flags, fd, off);
	if (!__zq_ctx || !(flags & MAP_ANONYMOUS) || (flags & MAP_32BIT))
		return __syscall(SYS_mmap, start, len, prot, flags, fd, off);
	if (!len) return -EINVAL;
	len = ZQ_PAGE_UP(len);
	if (!len) return -ENOMEM;
	if ((flags & (MAP_FIXED|MAP_FIXED_NOREPLACE)) && (a & (ZQ_PAGE - 1)))
		return -EINVAL;

	__zq_lock();
	if (!(flags & (MAP_FIXED|MAP_FIXED_NOREPLACE)))
		a = __zq_arena_alloc(len);
	r = a ? __zq_place(a, len, prot, flags) : -ENOMEM;
	__zq_unlock();
	return r ? r : (long)a;
}
