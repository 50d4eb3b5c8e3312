/* /proc/self/maps below the shim (the program, its brk, libc.so and their
 * data) reads the same after a resume as before: same addresses, the same
 * protections, the same files. Read with plain system calls, so that no
 * malloc moves the brk between the two readings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>

#define SHIM_BASE 0x80000000000UL

static char before[32768], after[32768];

/* The lines whose range starts below the shim. */
static void read_low(char *out, size_t size)
{
	static char raw[65536];
	size_t n = 0, len = 0;
	char *line, *end;
	ssize_t r;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0) return;
	while ((r = read(fd, raw + n, sizeof raw - 1 - n)) > 0) n += r;
	close(fd);
	raw[n] = 0;
	for (line = raw; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end) break;
		if (strtoul(line, 0, 16) < SHIM_BASE && len + (end - line) + 1 < size) {
			memcpy(out + len, line, end - line + 1);
			len += end - line + 1;
		}
	}
	out[len] = 0;
}

int main(void)
{
	struct timespec ts = { 0, 10000000 };
	int i;

	read_low(before, sizeof before);
	for (i = 0; i < 150; i++) nanosleep(&ts, 0);
	read_low(after, sizeof after);
	if (!before[0] || strcmp(before, after)) {
		printf("FAIL\nbefore:\n%safter:\n%s", before, after);
		return 1;
	}
	puts("PASS");
	return 0;
}
