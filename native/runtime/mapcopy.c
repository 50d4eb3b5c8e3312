#include "zq.h"
#include "syscall.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>

/* A private writable mapping of a regular file (musl's ldso maps a
 * library's .data and GOT so) is a copy the program changes: it becomes
 * image memory, filled from the file, so its changes survive. Pages past
 * the end of the file read as zero where the kernel would raise SIGBUS;
 * no program touches them (ldso's .bss is mapped anonymous over them). */

static long fill(uint64_t a, uint64_t len, int fd, off_t off)
{
	while (len) {
		long n = __syscall(SYS_pread64, fd, a, len, off);
		if (n == -EINTR) continue;
		if (n < 0) return n;
		if (!n) break;
		a += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* The kernel's answers for a descriptor it could not map privately. */
static long mappable(int fd, off_t off, size_t len)
{
	struct stat st;
	long fl = __syscall(SYS_fcntl, fd, F_GETFL);

	if (fl < 0) return fl;
	if ((fl & O_ACCMODE) == O_WRONLY) return -EACCES;
	if (__syscall(SYS_fstat, fd, &st)) return -EBADF;
	if (!S_ISREG(st.st_mode)) return 1;
	if (!len || off < 0 || (off & (ZQ_PAGE - 1))) return -EINVAL;
	return 0;
}

long __zq_map_copy(void *start, size_t len, int prot, int flags, int fd, off_t off)
{
	uint64_t a = (uint64_t)start;
	int fixed = flags & (MAP_FIXED|MAP_FIXED_NOREPLACE);
	long r = mappable(fd, off, len);

	if (r > 0 || flags & MAP_32BIT)
		return __syscall(SYS_mmap, start, len, prot, flags, fd, off);
	if (r) return r;
	len = ZQ_PAGE_UP(len);
	if (!len) return -ENOMEM;
	if (fixed && (a & (ZQ_PAGE - 1))) return -EINVAL;

	__zq_lock();
	if (!fixed) a = __zq_arena_alloc(len);
	r = a ? __zq_place(a, len, prot, flags) : -ENOMEM;
	if (!r && (r = fill(a, len, fd, off)))
		__zq_unmap(a, a + len);
	__zq_unlock();
	return r ? r : (long)a;
}
