#include "zq.h"
#include "syscall.h"
#include <fcntl.h>
#include <errno.h>
#include <string.h>

/* Image memory takes its file space when it is handed out: on a full
 * filesystem (or over a quota) the mmap, brk or mprotect that asked for
 * it fails with ENOMEM, where a store into an unbacked page of a shared
 * mapping would have been a SIGBUS. munmap and brk shrinking punch the
 * space back. */

/* The errno behind the last ENOMEM of a reservation, for a failure that
 * is lost to say why. */
hidden int __zq_space_error;

/* fallocate on tmpfs gives up with EINTR when any signal is pending: a
 * SIGPWR taken inside a section, or the kill the guard saves. The call
 * is the runtime's, not the program's, and done twice gives the same:
 * so it is done again rather than taken for a lack of space. */
long __zq_fallocate(long fd, int mode, uint64_t off, uint64_t len)
{
	long r;

	while ((r = __syscall(SYS_fallocate, fd, mode, off, len)) == -EINTR);
	return r;
}

static long take(int fd, uint64_t off, uint64_t len)
{
	long r = __zq_fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len);

	/* Space held for the arena's next mmap is given back before the
	 * filesystem is taken for full. */
	if ((r == -ENOSPC || r == -EDQUOT) && __zq_hold_release())
		r = __zq_fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len);
	if (r == -EOPNOTSUPP) return 0;
	if (r) __zq_space_error = -r;
	if (r == -ENOSPC || r == -EDQUOT || r == -EFBIG) return -ENOMEM;
	return r;
}

static long take_in(const char *name, uint64_t off, uint64_t len)
{
	long fd = __syscall(SYS_openat, __zq_ctx->dir_fd, name,
		O_RDWR|O_NOFOLLOW|O_CLOEXEC);
	long r;

	if (fd < 0) return fd;
	r = take(fd, off, len);
	__syscall(SYS_close, fd);
	return r;
}

/* IMAGE-relative path of a region file: ZQ_REGIONS_DIR/name. */
void __zq_file_path(char *to, uint32_t file)
{
	memcpy(to, ZQ_REGIONS_DIR "/", sizeof ZQ_REGIONS_DIR);
	memcpy(to + sizeof ZQ_REGIONS_DIR, zq_file_names[file], sizeof *zq_file_names);
}

/* The arena, where nearly all of it happens, is kept open; the program
 * file is the kernel's. An image run with --lazy-space takes no space
 * here: its pages get space from the filesystem at their first store. */
long __zq_reserve(uint32_t file, uint64_t off, uint64_t len)
{
	if (__zq_ctx->flags & ZQ_FLAG_LAZY_SPACE) return 0;
	if (file == ZQ_FILE_ARENA)
		return __zq_hold_take(off, len) ? 0 : take(__zq_ctx->arena_fd, off, len);
	if (file < ZQ_FILE_COUNT && *zq_file_names[file]) {
		char name[sizeof ZQ_REGIONS_DIR + sizeof *zq_file_names];
		__zq_file_path(name, file);
		return take_in(name, off, len);
	}
	return 0;
}

/* Reserve every region piece in [a, b) whose protection was none: a
 * piece that could already be touched has its space. */
long __zq_reserve_range(uint64_t a, uint64_t b)
{
	struct zq_region *r = ZQ_REGIONS(__zq_ctx);
	size_t i = __zq_region_find(a), n = __zq_ctx->region_count;
	long ret = 0;

	for (; !ret && i < n && r[i].start < b; i++) {
		uint64_t s = r[i].start > a ? r[i].start : a;
		uint64_t e = r[i].end < b ? r[i].end : b;
		if (!r[i].prot)
			ret = __zq_reserve(r[i].file, r[i].offset + (s - r[i].start), e - s);
	}
	return ret;
}

/* Space in the context file beyond what the shim took at start. */
long __zq_reserve_context(uint64_t off, uint64_t len)
{
	return take_in("context", off, len);
}

/* A context table at base has file space for its first *taken bytes
 * (the shim took the first chunk); grow that to need, a chunk at a time. */
long __zq_reserve_table(uint64_t base, uint64_t *taken, uint64_t need)
{
	uint64_t len;
	long r;

	if (need <= *taken) return 0;
	len = (need - *taken + ZQ_RESERVE_CHUNK - 1) & -ZQ_RESERVE_CHUNK;
	r = __zq_reserve_context(base + *taken, len);
	if (!r) *taken += len;
	return r;
}
