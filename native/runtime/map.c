#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>

/* Windows of the address space that stay reserved (mapped PROT_NONE by
 * the shim) while parts of them are free in the table. */
static int reserved(uint64_t a, uint64_t *end)
{
	struct zq_header *h = __zq_ctx;
	const uint64_t w[3][2] = {
		{ h->brk_start, h->brk_start + ZQ_BRK_MAX },
		{ ZQ_CONTEXT_ADDR, ZQ_CONTEXT_ADDR + ZQ_CONTEXT_SIZE },
		{ ZQ_ARENA_BASE, ZQ_ARENA_BASE + ZQ_ARENA_SIZE },
	};
	int i;

	for (i = 0; i < 3; i++) {
		if (a >= w[i][0] && a < w[i][1]) {
			*end = w[i][1];
			return 1;
		}
	}
	for (*end = UINT64_MAX, i = 0; i < 3; i++)
		if (w[i][0] > a && w[i][0] < *end) *end = w[i][0];
	return 0;
}

int __zq_outside_windows(uint64_t a, uint64_t b)
{
	uint64_t e;
	return !reserved(a, &e) && e >= b;
}

/* Unmap the kernel's mappings in [a,b) that are not in the table,
 * leaving Zhuque's reserved windows alone. */
static void unmap_foreign(uint64_t a, uint64_t b)
{
	while (a < b) {
		uint64_t e;
		int keep = reserved(a, &e);
		if (e > b) e = b;
		if (!keep) __syscall(SYS_munmap, a, e - a);
		a = e;
	}
}

/* Give a range's file space back, by descriptor: a hole punched so is
 * the same done twice, whatever the mapping's protection now, so a thread
 * resumed after the table change punches again on the shim's mappings. */
long __zq_punch(uint32_t file, uint64_t off, uint64_t len)
{
	char name[sizeof ZQ_REGIONS_DIR + sizeof *zq_file_names];
	long fd, r;

	__zq_punched(file, off, len);
	if (file == ZQ_FILE_ARENA) {
		__zq_hold_drop(off, off + len);
		return __zq_fallocate(__zq_ctx->arena_fd,
			FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, off, len);
	}
	__zq_file_path(name, file);
	fd = __syscall(SYS_openat, __zq_ctx->dir_fd, name, O_RDWR|O_NOFOLLOW|O_CLOEXEC);
	if (fd < 0) return fd;
	r = __zq_fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, off, len);
	__syscall(SYS_close, fd);
	return r;
}

/* The kernel's side of a range the table no longer has. */
static void release(const struct zq_region *x, uint64_t a, uint64_t b, int zeroed)
{
	uint64_t e, off = x->offset + (a - x->start);

	/* Arena memory that had its space may keep it for the next mmap
	 * (hold.c), once nothing can store to it. */
	if (x->file == ZQ_FILE_ARENA && x->prot) {
		__syscall(SYS_mprotect, a, b - a, PROT_NONE);
		__zq_hold_give(off, off + (b - a), zeroed);
		return;
	}
	if (ZQ_IMAGE_FILE(x->file))
		__zq_punch(x->file, off, b - a);
	if (reserved(a, &e))
		__syscall(SYS_mprotect, a, b - a, PROT_NONE);
	else
		__syscall(SYS_munmap, a, b - a);
}

/* Each piece leaves the table before its pages are given back. */
long __zq_unmap(uint64_t start, uint64_t end)
{
	uint64_t a = start;
	long ret;
	int zeroed;

	while (a < end) {
		struct zq_region *r = ZQ_REGIONS(__zq_ctx), x;
		size_t i = __zq_region_find(a);
		uint64_t next = end;

		if (i < __zq_ctx->region_count && r[i].start < end)
			next = r[i].start > a ? r[i].start : a;
		unmap_foreign(a, next);
		if (next == end) break;
		x = r[i];
		a = x.end < end ? x.end : end;
		/* Zeroed only where the cut cannot fail for want of room:
		 * a failed munmap leaves the memory as it was. */
		zeroed = x.file == ZQ_FILE_ARENA && (x.prot & PROT_WRITE)
			&& !__zq_region_room(1)
			&& __zq_hold_zero(next - ZQ_ARENA_BASE, a - ZQ_ARENA_BASE);
		if ((ret = __zq_region_cut(next, a))) return ret;
		release(&x, next, a, zeroed);
	}
	__zq_arena_freed(start, end);
	return 0;
}

/* MAP_FIXED outside the window: a sparse file whose offsets are
 * addresses, opened and long enough for [a, a+len). */
static long fixed_file(uint64_t a, uint64_t len)
{
	struct stat st;
	char name[sizeof ZQ_REGIONS_DIR + sizeof *zq_file_names];
	long fd, r;

	__zq_file_path(name, ZQ_FILE_FIXED);
	fd = __syscall(SYS_openat, __zq_ctx->dir_fd, name,
		O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0600);
	if (fd < 0) return fd;
	r = __syscall(SYS_fstat, fd, &st);
	if (!r && (uint64_t)st.st_size < a + len)
		r = __syscall(SYS_ftruncate, fd, a + len);
	if (r) {
		__syscall(SYS_close, fd);
		return r == -EFBIG ? -ENOMEM : r;
	}
	return fd;
}

/* The mapping of a table entry: done again after a resume, it maps the
 * same pages the same way. */
static long map_fixed(const struct zq_region *x, long fd)
{
	long r = __syscall(SYS_mmap, x->start, x->end - x->start, x->prot,
		MAP_SHARED|MAP_FIXED, fd, x->offset);
	return r < 0 ? r : 0;
}

/* Reserved windows whose file offsets follow addresses: placing memory
 * there is an mprotect of pages the shim mapped already. */
static int window(struct zq_region *x)
{
	struct zq_header *h = __zq_ctx;

	if (__zq_in_arena(x->start, x->end)) {
		x->file = ZQ_FILE_ARENA;
		x->offset = x->start - ZQ_ARENA_BASE;
		return 1;
	}
	if (x->start >= h->brk_start && x->end <= h->brk_start + ZQ_BRK_MAX) {
		x->file = ZQ_FILE_BRK;
		x->offset = x->start - h->brk_start;
		return 1;
	}
	return 0;
}

/* Back [a, a+len) with image memory. MAP_FIXED: the caller chose the
 * address and whatever was there goes; otherwise the range is free arena.
 * File length and space come first (they survive a death), then the
 * table, then the mapping, which a resumed thread simply does again. */
long __zq_place(uint64_t a, uint64_t len, int prot, int flags)
{
	struct zq_region x = { .start = a, .end = a + len, .prot = prot };
	long r, fd = -1;
	uint64_t e;

	if (flags & MAP_FIXED_NOREPLACE) {
		size_t i = __zq_region_find(a);
		if (i < __zq_ctx->region_count
		    && ZQ_REGIONS(__zq_ctx)[i].start < a + len)
			return -EEXIST;
	} else if (flags & MAP_FIXED) {
		r = __zq_unmap(a, a + len);
		if (r) return r;
	}
	if (window(&x)) {
		if (prot && (r = __zq_arena_grow(a, a + len))) return r;
	} else if (!reserved(a, &e) && e >= a + len) {
		x.file = ZQ_FILE_FIXED;
		x.offset = a;
		if ((fd = fixed_file(a, len)) < 0) return fd;
		/* What the kernel has there and the table has not is refused
		 * before anything is recorded. */
		r = flags & MAP_FIXED_NOREPLACE ? __syscall(SYS_mmap, a, len,
			PROT_NONE, MAP_SHARED|MAP_FIXED_NOREPLACE, fd, a) : 0;
		if (r < 0) {
			__syscall(SYS_close, fd);
			return r;
		}
	} else {
		return -ENOMEM;
	}
	r = prot ? __zq_reserve(x.file, x.offset, len) : 0;
	if (!r) r = __zq_region_add(&x);
	if (!r) {
		r = fd < 0 ? __syscall(SYS_mprotect, a, len, prot) : map_fixed(&x, fd);
		if (r) __zq_region_cut(a, a + len);
	}
	if (fd >= 0) __syscall(SYS_close, fd);
	if (r) {
		/* Its space may not have been taken: given back, never held. */
		x.prot = 0;
		release(&x, a, a + len, 0);
	}
	return r;
}
