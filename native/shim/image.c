#include "shim.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <errno.h>

/* Image files are created 0600 and never through a symbolic link. */
int create_file(int dir, const char *name, uint64_t size)
{
	long fd = sys4(SYS_openat, dir, name,
		O_RDWR|O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC, 0600);
	long r;

	if (fd < 0) die(EXIT_SETUP, "cannot create image file", name, fd);
	r = sys(SYS_ftruncate, fd, size, 0);
	if (r < 0) die(EXIT_SETUP, "cannot size image file", name, r);
	return fd;
}

/* Take the file space of [off, off+len) now, so that stores there can
 * never meet a full filesystem. A filesystem that cannot reserve
 * (EOPNOTSUPP) gives space as pages are written, as it always did. */
void take_space(int fd, uint64_t off, uint64_t len, const char *name)
{
	long r = sys4(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, off, len);

	if (r < 0 && r != -EOPNOTSUPP)
		die(EXIT_SETUP, "no space for the image file", name, r);
}

/* The context's header, the first part of each table, and the scratch
 * area the runtime reads into at a failure. Without the space there is
 * no image: the empty file goes, so the next run starts afresh. */
static void take_context_space(int dir, int fd)
{
	static const uint64_t parts[][2] = {
		{ 0, ZQ_REGIONS_OFF + ZQ_RESERVE_CHUNK },
		{ ZQ_THREADS_OFF, ZQ_RESERVE_CHUNK },
		{ ZQ_FDS_OFF, ZQ_RESERVE_CHUNK },
		{ ZQ_BACKLOG_OFF, ZQ_RESERVE_CHUNK },
		{ ZQ_SCRATCH_OFF, ZQ_SCRATCH_SIZE },
		{ ZQ_SAVE_OFF, ZQ_RESERVE_SAVE },
		{ ZQ_MAPS_OFF, ZQ_RESERVE_CHUNK },
	};
	unsigned i;

	for (i = 0; i < sizeof parts / sizeof *parts; i++) {
		long r = sys4(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, parts[i][0], parts[i][1]);
		if (r < 0 && r != -EOPNOTSUPP) {
			sys(SYS_unlinkat, dir, "context", 0);
			die(EXIT_SETUP, "no space for the image file", "context", r);
		}
	}
}

struct zq_header *create_context(int dir)
{
	int fd = create_file(dir, "context", ZQ_CONTEXT_SIZE);
	struct zq_header *h;

	take_context_space(dir, fd);
	h = map(ZQ_CONTEXT_ADDR, ZQ_CONTEXT_SIZE,
		PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED_NOREPLACE, fd, 0);
	sys(SYS_close, fd, 0, 0);
	if ((long)h < 0) die(EXIT_SETUP, "cannot map the image context", 0, (long)h);
	h->magic = ZQ_MAGIC;
	h->abi_version = ZQ_ABI_VERSION;
	h->header_size = sizeof *h;
	h->state = ZQ_STATE_NEW;
	h->region_cap = ZQ_REGIONS_CAP;
	h->region_off = ZQ_REGIONS_OFF;
	h->thread_cap = ZQ_THREADS_CAP;
	h->thread_off = ZQ_THREADS_OFF;
	h->map_cap = ZQ_MAPS_CAP;
	h->map_off = ZQ_MAPS_OFF;
	return h;
}

/* The shim adds few regions, in any order: insertion keeps them sorted. */
void add_region(struct zq_header *h, uint64_t start, uint64_t end,
	uint64_t offset, uint32_t prot, uint32_t file)
{
	struct zq_region *r = ZQ_REGIONS(h);
	uint32_t i = h->region_count;

	for (; i > 0 && r[i-1].start > start; i--) r[i] = r[i-1];
	r[i] = (struct zq_region){ start, end, offset, prot, file };
	h->region_count++;
}

/* Reserve a window: the whole backing file mapped PROT_NONE, its pages
 * made accessible as the runtime hands them out. The arena's file starts
 * empty and grows as it is used (native/runtime/arena.c), so its
 * apparent size is not 8 TiB. Returns the file. */
static int reserve(int rdir, const char *name, uint64_t addr, uint64_t size, uint64_t len)
{
	int fd = create_file(rdir, name, len);
	void *r = map(addr, size, PROT_NONE,
		MAP_SHARED|MAP_FIXED_NOREPLACE|MAP_NORESERVE, fd, 0);

	if ((long)r < 0) die(EXIT_SETUP, "cannot reserve", name, (long)r);
	return fd;
}

/* The runtime keeps the arena open: every mmap takes its space there. */
void map_windows(struct zq_header *h, int rdir, uint64_t brk)
{
	sys(SYS_close, reserve(rdir, zq_file_names[ZQ_FILE_BRK], brk, ZQ_BRK_MAX, ZQ_BRK_MAX), 0, 0);
	h->brk_start = h->brk_cur = brk;
	h->arena_fd = move_high(reserve(rdir, zq_file_names[ZQ_FILE_ARENA], ZQ_ARENA_BASE, ZQ_ARENA_SIZE, 0));
	h->arena_hint = ZQ_ARENA_BASE;
}

/* The main stack has the size RLIMIT_STACK gives, as the kernel's would
 * grow to, but it is mapped whole: the file is sparse. */
void map_stack(struct zq_header *h, int rdir)
{
	struct rlimit rl;
	uint64_t size = 8 << 20;
	int fd;
	void *r;

	if (!sys4(SYS_prlimit64, 0, RLIMIT_STACK, 0, &rl) && rl.rlim_cur != RLIM_INFINITY)
		size = rl.rlim_cur;
	if (size < 1 << 20) size = 1 << 20;
	if (size > ZQ_STACK_MAX) size = ZQ_STACK_MAX;
	size = PAGE_UP(size);
	fd = create_file(rdir, zq_file_names[ZQ_FILE_STACK], size);
	take_space(fd, 0, size, zq_file_names[ZQ_FILE_STACK]);
	r = map(ZQ_STACK_TOP - size, size, PROT_READ|PROT_WRITE,
		MAP_SHARED|MAP_FIXED_NOREPLACE, fd, 0);
	sys(SYS_close, fd, 0, 0);
	if ((long)r < 0) die(EXIT_SETUP, "cannot map the stack", 0, (long)r);
	h->stack_low = ZQ_STACK_TOP - size;
	h->stack_top = ZQ_STACK_TOP;
	add_region(h, h->stack_low, h->stack_top, 0, PROT_READ|PROT_WRITE, ZQ_FILE_STACK);
}
