/* Files mapped read-only, shared and private, with a hole unmapped in
 * the middle of one, a page made PROT_NONE and back, and one grown by
 * mremap (which may move it): each comes back at its address with its
 * contents, and cannot be made writable. */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PAGE 4096

static int expected(const unsigned char *p, size_t page)
{
	size_t i;
	for (i = 0; i < PAGE; i++)
		if (p[i] != (unsigned char)(page * 7 + i)) return 0;
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	static unsigned char data[8 * PAGE];
	char path[4096];
	size_t i;
	int fd;

	for (i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i / PAGE * 7 + i % PAGE);
	snprintf(path, sizeof path, "%s/kind-mapped.bin", dir);
	fd = open(path, O_RDWR|O_CREAT|O_TRUNC, 0600);
	CHECK(write(fd, data, sizeof data) == sizeof data, "write: %s", strerror(errno));
	unsigned char *s = mmap(0, sizeof data, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *p = mmap(0, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 4 * PAGE);
	unsigned char *g = mmap(0, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(s != MAP_FAILED && p != MAP_FAILED && g != MAP_FAILED, "mmap: %s", strerror(errno));
	g = mremap(g, 2 * PAGE, 6 * PAGE, MREMAP_MAYMOVE);
	CHECK(g != MAP_FAILED, "mremap: %s", strerror(errno));
	CHECK(munmap(s + 2 * PAGE, PAGE) == 0, "munmap a page: %s", strerror(errno));
	CHECK(mprotect(p + PAGE, PAGE, PROT_NONE) == 0 && mprotect(p + PAGE, PAGE, PROT_READ) == 0,
		"mprotect: %s", strerror(errno));
	hold(1.5);
	for (i = 0; i < 8; i++)
		if (i != 2) CHECK(expected(s + i * PAGE, i), "shared page %zu differs", i);
	for (i = 0; i < 4; i++)
		CHECK(expected(p + i * PAGE, i + 4), "private page %zu differs", i);
	for (i = 0; i < 6; i++)
		CHECK(expected(g + i * PAGE, i), "remapped page %zu differs", i);
	CHECK(mprotect(p, PAGE, PROT_READ|PROT_WRITE) == -1 && errno == EACCES,
		"a recorded file mapping was made writable");
	CHECK(munmap(s, sizeof data) == 0 && munmap(p, 4 * PAGE) == 0 && munmap(g, 6 * PAGE) == 0,
		"munmap: %s", strerror(errno));
	unlink(path);
	return verdict();
}
