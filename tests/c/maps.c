/* maps FILE MIB [CHURN]: maps FILE read-only (unless "-"), fills MIB MiB
 * of anonymous mmap (image memory in the arena), maps and unmaps 1 MiB
 * CHURN times, then runs about two seconds (a failure comes in that
 * time) and checks both. For MappedFileTests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

static unsigned sum(const unsigned char *p, size_t n)
{
	unsigned s = 0;
	while (n--) s = s * 31 + *p++;
	return s;
}

int main(int argc, char **argv)
{
	size_t len = 0, mib = argc > 2 ? strtoul(argv[2], 0, 10) << 20 : 0, i;
	unsigned char *file = 0, *mem = mmap(0, mib ? mib : 1, PROT_READ|PROT_WRITE,
		MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	unsigned before = 0;
	struct timespec t = { 0, 10000000 };

	if (argc > 1 && strcmp(argv[1], "-")) {
		struct stat st;
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0 || fstat(fd, &st)) { perror(argv[1]); return 2; }
		len = st.st_size;
		file = mmap(0, len, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (file == MAP_FAILED) { perror("mmap"); return 2; }
		before = sum(file, len);
	}
	if (mem == MAP_FAILED) { perror("mmap"); return 2; }
	for (i = 0; i < mib; i++) mem[i] = (unsigned char)(i * 13);
	for (i = argc > 3 ? strtoul(argv[3], 0, 10) : 0; i > 0; i--) {
		unsigned char *p = mmap(0, 1 << 20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) { perror("mmap"); return 2; }
		p[0] = 1;
		munmap(p, 1 << 20);
	}
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < 200; i++) nanosleep(&t, 0);
	for (i = 0; i < mib; i++)
		if (mem[i] != (unsigned char)(i * 13)) { printf("FAIL memory at %zu\n", i); return 1; }
	if (file && sum(file, len) != before) { printf("FAIL file\n"); return 1; }
	printf("PASS\n");
	return 0;
}
