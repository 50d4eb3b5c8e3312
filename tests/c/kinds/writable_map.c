/* Writable file mappings: a private one (kernel-chosen and MAP_FIXED
 * outside Zhuque's window) is image memory, a copy of the file whose
 * changes survive while the file stays as it was; a shared one is the
 * file's, mapped again at resume, and a store after the resume still
 * reaches the file. */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PAGE 4096
#define SIZE (3 * PAGE + 100) /* the last page lies partly past the end */
#define LEN (4 * PAGE)
#define AT ((unsigned char *)0x310000000000)

static unsigned char orig(size_t i) { return (unsigned char)(i * 13 + 5); }

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct timespec ts = { 0, 5000000 };
	static unsigned char data[SIZE];
	unsigned char back[SIZE];
	char path[4096];
	size_t i;
	int fd, k, bad = -1;

	for (i = 0; i < SIZE; i++) data[i] = orig(i);
	snprintf(path, sizeof path, "%s/kind-writable.bin", dir);
	fd = open(path, O_RDWR|O_CREAT|O_TRUNC, 0600);
	CHECK(write(fd, data, SIZE) == SIZE, "write: %s", strerror(errno));
	unsigned char *p = mmap(0, LEN, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd, 0);
	unsigned char *f = mmap(AT, 2 * PAGE, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, fd, PAGE);
	unsigned char *s = mmap(0, 2 * PAGE, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && f == AT && s != MAP_FAILED, "mmap: %s", strerror(errno));
	if (p == MAP_FAILED || f != AT || s == MAP_FAILED) return verdict();
	for (i = SIZE; i < LEN && bad < 0; i++) if (p[i]) bad = i;
	CHECK(bad < 0, "byte %d past the end of the file is %d", bad, bad < 0 ? 0 : p[bad]);

	/* Stores while the failures come: every page of each mapping. */
	for (k = 0; k < 300; k++) {
		p[(k * 97) % SIZE] ^= 0xff;
		f[(k * 89) % (2 * PAGE)] += 1;
		s[(k * 61) % (2 * PAGE)] += 3;
		nanosleep(&ts, 0);
	}
	for (k = 0; k < 300; k++) {
		data[(k * 97) % SIZE] ^= 0xff;
	}
	for (i = 0, bad = -1; i < SIZE && bad < 0; i++) if (p[i] != data[i]) bad = i;
	CHECK(bad < 0, "private byte %d is %d, not %d", bad, bad < 0 ? 0 : p[bad], bad < 0 ? 0 : data[bad]);
	for (i = 0, bad = -1; i < 2 * PAGE && bad < 0; i++) {
		unsigned char want = orig(i + PAGE);
		for (k = 0; k < 300; k++) if ((size_t)((k * 89) % (2 * PAGE)) == i) want++;
		if (f[i] != want) bad = i;
	}
	CHECK(bad < 0, "fixed private byte %d differs", bad);
	CHECK(pread(fd, back, SIZE, 0) == SIZE, "pread: %s", strerror(errno));
	for (i = 0, bad = -1; i < 2 * PAGE && bad < 0; i++) {
		unsigned char want = orig(i);
		for (k = 0; k < 300; k++) if ((size_t)((k * 61) % (2 * PAGE)) == i) want += 3;
		if (back[i] != want || s[i] != want) bad = i;
	}
	CHECK(bad < 0, "shared byte %d: file %d, mapping %d", bad, bad < 0 ? 0 : back[bad], bad < 0 ? 0 : s[bad]);
	for (i = 2 * PAGE, bad = -1; i < SIZE && bad < 0; i++) if (back[i] != orig(i)) bad = i;
	CHECK(bad < 0, "file byte %zd changed by a private mapping", (ssize_t)bad);
	s[7] = 0x42;
	CHECK(pread(fd, back, 8, 0) == 8 && back[7] == 0x42, "a store after resume did not reach the file");
	CHECK(munmap(p, LEN) == 0 && munmap(f, 2 * PAGE) == 0 && munmap(s, 2 * PAGE) == 0,
		"munmap: %s", strerror(errno));
	close(fd);
	unlink(path);
	return verdict();
}
