/* Files the program mapped read-only (native/runtime/mapfile.c) are
 * mapped again at their addresses, each from its path, once it is seen
 * to be the same file, unchanged: its contents are not in the image. */
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

/* The file, opened read-only, or a refusal (the launcher's "changed"). */
static int open_same(const struct zq_mapfile *m)
{
	char path[sizeof m->path];
	struct stat st;
	long fd;

	memcpy(path, m->path, m->path_len);
	path[m->path_len] = 0;
	fd = sys(SYS_open, path, O_RDONLY|O_CLOEXEC, 0);
	if (fd < 0)
		die(EXIT_CHANGED, "a file the program mapped is gone since the image was saved:", path, fd);
	if (sys(SYS_fstat, fd, &st, 0) || st.st_dev != m->dev || st.st_ino != m->ino
	    || (uint64_t)st.st_size != m->size || st.st_mtim.tv_sec != m->mtime_sec
	    || (uint64_t)st.st_mtim.tv_nsec != m->mtime_nsec)
		die(EXIT_CHANGED, "a file the program mapped changed since the image was saved:", path, 0);
	return fd;
}

/* Before anything of the image is touched: every mapped file is there. */
void check_mapped_files(const struct zq_header *h)
{
	const struct zq_region *r = ZQ_REGIONS(h);
	uint32_t i;

	for (i = 0; i < h->region_count; i++)
		if (r[i].file >= ZQ_FILE_MAPPED)
			sys(SYS_close, open_same(entry(h, r[i].file)), 0, 0);
}

long map_file_region(const struct zq_header *h, const struct zq_region *r)
{
	const struct zq_mapfile *m = entry(h, r->file);
	int fd = open_same(m);
	long res = (long)map(r->start, r->end - r->start, r->prot,
		m->flags|MAP_FIXED_NOREPLACE, fd, r->offset);

	sys(SYS_close, fd, 0, 0);
	return res;
}

/* The dynamic linker's file, recorded as the runtime records a file the
 * program maps: a resume maps it again only if it is unchanged. */
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
	return h->map_count++;
}

/* Zhuque's libc.so lies in musl/ beside the shim (the Makefile puts it there). */
void find_libc(char *buf, uint64_t size)
{
	long n = sys(SYS_readlink, "/proc/self/exe", buf, size - 16);

	if (n <= 0 || n >= (long)size - 16) die(EXIT_SETUP, "cannot find the shim's own path", 0, n);
	while (n > 0 && buf[n-1] != '/') n--;
	memcpy(buf + n, "musl/libc.so", 13);
}
