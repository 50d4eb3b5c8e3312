#include "sys.h"
#include <sys/resource.h>

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *a = d;
	const unsigned char *b = s;
	while (n--) *a++ = *b++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *a = d;
	while (n--) *a++ = c;
	return d;
}

size_t strlen(const char *s)
{
	const char *p = s;
	while (*p) p++;
	return p - s;
}

int streq(const char *a, const char *b)
{
	while (*a && *a == *b) a++, b++;
	return *a == *b;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n && *x == *y; n--, x++, y++);
	return n ? *x - *y : 0;
}

long parse_fd(const char *s)
{
	long v = 0;
	if (!*s) return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1 << 24) return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static const struct { int no; const char *name; } errors[] = {
	{ 1, "operation not permitted" }, { 2, "no such file or directory" },
	{ 8, "exec format error" }, { 9, "bad file descriptor" },
	{ 12, "out of memory" }, { 13, "permission denied" },
	{ 17, "file exists" }, { 20, "not a directory" },
	{ 22, "invalid argument" }, { 27, "file too large" },
	{ 28, "no space left on device" }, { 40, "too many levels of symbolic links" },
};

static void put(const char *s)
{
	sys(SYS_write, 2, s, strlen(s));
}

static void put_num(long v)
{
	char buf[24], *p = buf + sizeof buf;
	*--p = 0;
	do *--p = '0' + v % 10; while (v /= 10);
	put(p);
}

/* One line on stderr, then exit: the launcher passes it on to the user. */
_Noreturn void die(int code, const char *what, const char *name, long err)
{
	size_t i;

	put("zhuque: ");
	put(what);
	if (name) { put(" "); put(name); }
	if (err < 0) {
		for (i = 0; i < sizeof errors / sizeof *errors; i++)
			if (errors[i].no == -err) break;
		put(": ");
		if (i < sizeof errors / sizeof *errors) put(errors[i].name);
		else { put("errno "); put_num(-err); }
	}
	put("\n");
	for (;;) sys(SYS_exit_group, code, 0, 0);
}

void *map(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	return (void *)sys6(SYS_mmap, addr, len, prot, flags, fd, off);
}

/* Move fd above top, close-on-exec, and return its new number. */
int move_above(int fd, int top)
{
	long r = sys(SYS_fcntl, fd, 1030 /* F_DUPFD_CLOEXEC */, top + 1);
	if (r < 0) die(EXIT_SETUP, "cannot move the image descriptors", 0, r);
	sys(SYS_close, fd, 0, 0);
	return r;
}

/* The state components the kernel saves in signal frames (XCR0), or 0
 * where the OS has not enabled XSAVE. */
uint64_t xcr0(void)
{
	unsigned a = 1, b, c = 0, d, lo, hi;

	__asm__ volatile ("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & 1u << 27)) return 0;
	__asm__ volatile ("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* Runtime descriptors sit high, below the select() limit, out of the
 * program's way. */
int move_high(long fd)
{
	struct rlimit rl;
	long min = 1008, r;

	if (fd < 0) die(EXIT_SETUP, "bad descriptor argument", 0, 0);
	if (!sys4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &rl) && rl.rlim_cur < 1024)
		min = rl.rlim_cur > 64 ? rl.rlim_cur - 16 : 48;
	r = sys(SYS_fcntl, fd, 1030 /* F_DUPFD_CLOEXEC */, min);
	if (r < 0) die(EXIT_SETUP, "cannot keep the image descriptors", 0, r);
	sys(SYS_close, fd, 0, 0);
	return r;
}
