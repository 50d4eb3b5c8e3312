#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <string.h>
#include <fcntl.h>
#include <errno.h>

/* A file mapped without PROT_WRITE (musl's __map_file of the time zone,
 * a library's text, a program's own read-only data), or writable and
 * MAP_SHARED, stays the kernel's mapping, but its range and the identity
 * of its file are recorded, so that a resume maps the same file again at
 * the same address (native/shim/mapfile.c): unchanged when read-only; by
 * device and inode alone when the program writes it. */

/* Bytes of the mapped-file table that have their file space. */
static uint64_t taken;

static int same(const struct zq_mapfile *m, const struct stat *st, uint32_t type)
{
	if (type & ZQ_MAP_WRITABLE)
		return m->dev == st->st_dev && m->ino == st->st_ino && m->flags == type;
	return m->dev == st->st_dev && m->ino == st->st_ino
		&& m->size == (uint64_t)st->st_size && m->flags == type
		&& m->mtime_sec == st->st_mtim.tv_sec
		&& m->mtime_nsec == (uint64_t)st->st_mtim.tv_nsec;
}

/* Its bytes, hashed when it is recorded: a resume refuses another file
 * of the same size and mtime (a rebuilt library, a copy). 0 if unread. */
static uint64_t content_hash(int fd, uint64_t size)
{
	uint64_t h;
	void *p;

	if (!size) return zq_hash(0, 0);
	p = (void *)__syscall(SYS_mmap, 0, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if ((unsigned long)p > -4096UL) return 0;
	h = zq_hash(p, size);
	__syscall(SYS_munmap, p, size);
	return h;
}

/* The index of fd's file in the table, added if new; -1 when it is not a
 * regular file (a device stays the kernel's), or -errno. */
static long entry(int fd, uint32_t type)
{
	struct zq_header *h = __zq_ctx;
	struct zq_mapfile *m = ZQ_MAPS(h), *e;
	char link[32] = "/proc/self/fd/";
	struct stat st;
	uint32_t i;
	long n;

	if (__syscall(SYS_fstat, fd, &st) || !S_ISREG(st.st_mode)) return -1;
	for (i = 0; i < h->map_count; i++)
		if (same(&m[i], &st, type)) return i;
	if (i >= h->map_cap) return -ENOMEM;
	if (__zq_reserve_table(ZQ_MAPS_OFF, &taken, (i + 1) * sizeof *m))
		return -ENOMEM;
	__zq_decimal(link + 14, fd);
	e = &m[i];
	n = __syscall(SYS_readlink, link, e->path, sizeof e->path);
	if (n <= 0 || n >= (long)sizeof e->path || e->path[0] != '/') return -1;
	e->path_len = n;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->size = st.st_size;
	e->mtime_sec = st.st_mtim.tv_sec;
	e->mtime_nsec = st.st_mtim.tv_nsec;
	e->flags = type;
	e->hash = type & ZQ_MAP_WRITABLE ? 0 : content_hash(fd, st.st_size);
	h->map_count = i + 1;
	return i;
}

/* Where the kernel would choose, a file goes at the lowest free range
 * from ZQ_FILES_BASE instead: the kernel's choice lies near 128 TiB, and
 * ldso maps a library's data there with MAP_FIXED, which would make
 * regions/fixed (offsets are addresses) too large for ext4. */
static uint64_t files_room(uint64_t len)
{
	struct zq_region *r = ZQ_REGIONS(__zq_ctx);
	size_t i = __zq_region_find(ZQ_FILES_BASE), n = __zq_ctx->region_count;
	uint64_t a = ZQ_FILES_BASE;

	for (; i < n && r[i].start < a + len; i++)
		if (r[i].end > a) a = r[i].end;
	return a + len <= ZQ_SHIM_BASE ? a : 0;
}

static long kernel_map(void *start, size_t len, int prot, int flags, int fd, off_t off)
{
	uint64_t a;
	long r;

	if (start || flags & (MAP_FIXED|MAP_FIXED_NOREPLACE|MAP_32BIT)
	    || !(a = files_room(ZQ_PAGE_UP(len))))
		return __syscall(SYS_mmap, start, len, prot, flags, fd, off);
	r = __syscall(SYS_mmap, a, len, prot, flags|MAP_FIXED_NOREPLACE, fd, off);
	if (r == -EEXIST)
		r = __syscall(SYS_mmap, start, len, prot, flags, fd, off);
	return r;
}

static long remap_same(const struct zq_region *x, int fd, int flags)
{
	long r = __syscall(SYS_mmap, x->start, x->end - x->start, x->prot,
		(flags & ~MAP_FIXED_NOREPLACE) | MAP_FIXED, fd, x->offset);
	return r < 0 ? r : 0;
}

/* Ranges in Zhuque's reserved windows are left as they always were. */
long __zq_map_file(void *start, size_t len, int prot, int flags, int fd, off_t off)
{
	uint64_t a, end;
	struct zq_region x;
	long r, i;

	__zq_lock();
	r = kernel_map(start, len, prot, flags, fd, off);
	a = r;
	end = a + ZQ_PAGE_UP(len);
	if ((unsigned long)r > -4096UL || !__zq_outside_windows(a, end)) {
		__zq_unlock();
		return r;
	}
	i = entry(fd, (flags & MAP_TYPE) | (prot & PROT_WRITE ? ZQ_MAP_WRITABLE : 0));
	x = (struct zq_region){ .start = a, .end = end, .offset = off,
		.prot = prot, .file = ZQ_FILE_MAPPED + i };
	/* MAP_FIXED replaced whatever was there: so does the record. */
	if (i >= 0 && !(i = __zq_region_room(2))) {
		__zq_region_cut(a, end);
		i = __zq_region_add(&x);
		/* The kernel chose the address before the table had it: a
		 * thread resumed in between finds nothing there, so the file
		 * is mapped again, the same pages the same way. */
		if (!i) i = remap_same(&x, fd, flags);
	} else if (i == -1) {
		__zq_region_cut(a, end);
		i = 0;
	}
	__zq_unlock();
	if (i) {
		__syscall(SYS_munmap, a, end - a);
		return i;
	}
	return r;
}

/* True if a recorded file mapping that must stay read-only lies in
 * [a, b): it is mapped again from its file at resume, so a store into
 * it would be lost. A shared writable one is the file's to keep. */
int __zq_maps_file(uint64_t a, uint64_t b)
{
	struct zq_region *r = ZQ_REGIONS(__zq_ctx);
	struct zq_mapfile *m = ZQ_MAPS(__zq_ctx);
	size_t i = __zq_region_find(a), n = __zq_ctx->region_count;

	for (; i < n && r[i].start < b; i++)
		if (r[i].file >= ZQ_FILE_MAPPED
		    && !(m[r[i].file - ZQ_FILE_MAPPED].flags & ZQ_MAP_WRITABLE))
			return 1;
	return 0;
}

/* After the kernel moved a file mapping and the table followed: a thread
 * resumed between the two finds the old range mapped (the table still had
 * it) and not the new one. Both are put as the table says, which changes
 * nothing when the kernel's move survived. */
static void again(const struct zq_region *y, uint64_t a, uint64_t oldlen)
{
	const struct zq_mapfile *m = ZQ_MAPS(__zq_ctx) + (y->file - ZQ_FILE_MAPPED);
	long fd = __syscall(SYS_open, m->path, O_RDONLY|O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && !__syscall(SYS_fstat, fd, &st) && same(m, &st, m->flags)) {
		__syscall(SYS_mmap, y->start, y->end - y->start, y->prot,
			m->flags | MAP_FIXED, fd, y->offset);
	}
	if (fd >= 0) __syscall(SYS_close, fd);
	if (y->start != a)
		__syscall(SYS_munmap, a, oldlen);
	else if (y->end < a + oldlen)
		__syscall(SYS_munmap, y->end, a + oldlen - y->end);
}

/* The kernel moves or resizes a file mapping (its offsets are the
 * file's, so nothing ties it to an address); the record follows. */
long __zq_remap_file(const struct zq_region *x, uint64_t a, uint64_t oldlen,
	uint64_t newlen, int flags)
{
	struct zq_region y = *x;
	long r;

	if (flags & MREMAP_FIXED) return -EINVAL;
	if ((r = __zq_region_room(2))) return r;
	r = __syscall(SYS_mremap, a, oldlen, newlen, flags, 0);
	if ((unsigned long)r > -4096UL) return r;
	__zq_region_cut(a, a + oldlen);
	y.offset = x->offset + (a - x->start);
	y.start = r;
	y.end = r + newlen;
	__zq_region_add(&y);
	again(&y, a, oldlen);
	return r;
}
