/* Files the program mapped read-only or shared and writable
 * (native/runtime/mapfile.c) are mapped again at their addresses, each
 * from its path, once it is seen to be the same file (unchanged, when
 * read-only): its contents are not in the image. */
#include "shim.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static const struct zq_mapfile *entry(const struct zq_header *h, uint32_t file)
{
	const struct zq_mapfile *m = ZQ_MAPS(h) + (file - ZQ_FILE_MAPPED);

	if (h->map_off != ZQ_MAPS_OFF || h->map_count > ZQ_MAPS_CAP
	    || file - ZQ_FILE_MAPPED >= h->map_count
	    || !m->path_len || m->path_len >= sizeof m->path)
		die(EXIT_SETUP, "the image's table of mapped files is inconsistent", 0, 0);
	return m;
}

/* zq_hash of an open file's size bytes, through a transient mapping. */
static uint64_t file_hash(int fd, uint64_t size)
{
	uint64_t h;
	void *b;

	if (!size) return zq_hash(0, 0);
	b = map(0, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if ((long)b < 0) return 0;
	h = zq_hash(b, size);
	sys(SYS_munmap, (long)b, size, 0);
	return h;
}

/* The file, opened read-only, or a refusal (the launcher's "changed"):
 * the same identity and, unless writable, the same bytes (content hash),
 * checked here too, since the file may change after the launcher looked. */
static int open_same(const struct zq_mapfile *m, int hash)
{
	char path[sizeof m->path];
	struct stat st;
	long fd;

	memcpy(path, m->path, m->path_len);
	path[m->path_len] = 0;
	fd = sys(SYS_open, path, (m->flags & ZQ_MAP_WRITABLE ? O_RDWR : O_RDONLY)|O_CLOEXEC, 0);
	if (fd < 0)
		die(EXIT_CHANGED, "a file the program mapped is gone since the image was saved:", path, fd);
	if (sys(SYS_fstat, fd, &st, 0) || st.st_dev != m->dev || st.st_ino != m->ino)
		die(EXIT_CHANGED, "a file the program mapped changed since the image was saved:", path, 0);
	if (m->flags & ZQ_MAP_WRITABLE) return fd;
	if ((uint64_t)st.st_size != m->size || st.st_mtim.tv_sec != m->mtime_sec
	    || (uint64_t)st.st_mtim.tv_nsec != m->mtime_nsec)
		die(EXIT_CHANGED, "a file the program mapped changed since the image was saved:", path, 0);
	if (hash && m->hash && file_hash(fd, m->size) != m->hash)
		die(EXIT_CHANGED, "a file the program mapped changed since the image was saved (its contents):", path, 0);
	return fd;
}

/* Before anything of the image is touched: every mapped file is there,
 * each read and hashed once (a library has several regions). */
void check_mapped_files(const struct zq_header *h)
{
	static unsigned char seen[ZQ_MAPS_CAP / 8];
	uint32_t i, k, n = zq_region_total(h);

	for (i = 0; i < n; i++) {
		struct zq_region r = zq_region_view(h, i);
		if (r.file < ZQ_FILE_MAPPED) continue;
		k = r.file - ZQ_FILE_MAPPED;
		if (k < ZQ_MAPS_CAP && seen[k / 8] & 1 << k % 8) continue;
		sys(SYS_close, open_same(entry(h, r.file), 1), 0, 0);
		seen[k / 8] |= 1 << k % 8;
	}
}

long map_file_region(const struct zq_header *h, const struct zq_region *r)
{
	const struct zq_mapfile *m = entry(h, r->file);
	int fd = open_same(m, 0);
	long res = (long)map(r->start, r->end - r->start, r->prot,
		(m->flags & MAP_TYPE)|MAP_FIXED_NOREPLACE, fd, r->offset);

	sys(SYS_close, fd, 0, 0);
	return res;
}

/* The dynamic linker's file (the image's copy), recorded as the runtime
 * records a file the program maps, its bytes hashed: a resume maps it
 * again only if it is unchanged. */
uint32_t add_mapfile(struct zq_header *h, const struct program *p)
{
	struct zq_mapfile *m = ZQ_MAPS(h) + h->map_count;
	uint64_t n = strlen(p->path);
	struct stat st;
	long r = sys(SYS_fstat, p->fd, &st, 0);

	if (r < 0) die(EXIT_SETUP, "cannot read the attributes of", p->path, r);
	if (p->path[0] != '/' || n >= sizeof m->path)
		die(EXIT_SETUP, "no absolute path for", p->path, 0);
	memcpy(m->path, p->path, n);
	m->path_len = n;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->size = st.st_size;
	m->mtime_sec = st.st_mtim.tv_sec;
	m->mtime_nsec = st.st_mtim.tv_nsec;
	m->flags = MAP_PRIVATE;
	m->hash = file_hash(p->fd, st.st_size);
	if (!m->hash) die(EXIT_SETUP, "cannot read", p->path, 0);
	return h->map_count++;
}

/* Zhuque's libc.so lies in musl/ beside the shim (the Makefile puts it there). */
static void find_libc(char *buf, uint64_t size)
{
	long n = sys(SYS_readlink, "/proc/self/exe", buf, size - 16);

	if (n <= 0 || n >= (long)size - 16) die(EXIT_SETUP, "cannot find the shim's own path", 0, n);
	while (n > 0 && buf[n-1] != '/') n--;
	memcpy(buf + n, "musl/libc.so", 13);
}

/* The path of an open file, as /proc/self/fd names it. */
static void fd_path(int fd, char *buf, uint64_t size)
{
	char link[32] = "/proc/self/fd/";
	int d = 1, k = 14;
	long n;

	while (d * 10 <= fd) d *= 10;
	for (; d; d /= 10) link[k++] = '0' + fd / d % 10;
	link[k] = 0;
	n = sys(SYS_readlink, link, buf, size - 1);
	if (n <= 0 || n >= (long)size - 1 || buf[0] != '/')
		die(EXIT_SETUP, "cannot find the path of image file", "regions/libc.so", n < 0 ? n : 0);
	buf[n] = 0;
}

/* The image keeps its own copy of Zhuque's libc.so, regions/libc.so, and
 * the program runs from it: a rebuild of Zhuque leaves a saved program's
 * dynamic linker alone. Returns the copy's path. */
const char *pin_libc(int rdir, uint32_t flags)
{
	static char src[4096], dst[4096];
	long in, out, n;

	find_libc(src, sizeof src);
	in = sys(SYS_open, src, O_RDONLY|O_CLOEXEC, 0);
	if (in < 0) die(EXIT_NOEXEC, "cannot open Zhuque's dynamic linker", src, in);
	out = create_file(rdir, "libc.so", 0);
	do n = sys4(SYS_sendfile, out, in, 0, 1L << 30); while (n > 0);
	if (n < 0) die(EXIT_SETUP, "cannot copy into the image", src, n);
	if (flags & ZQ_FLAG_SYNC && (n = sys(SYS_fsync, out, 0, 0)) < 0)
		die(EXIT_SETUP, "cannot write to disk", "regions/libc.so", n);
	fd_path(out, dst, sizeof dst);
	sys(SYS_close, in, 0, 0);
	sys(SYS_close, out, 0, 0);
	return dst;
}
