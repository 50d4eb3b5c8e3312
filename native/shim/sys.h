/* The shim is freestanding: these are the few system calls and string
 * functions it needs. Every call returns a value or -errno. */
#ifndef SHIM_SYS_H
#define SHIM_SYS_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret)
		: "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
		: "rcx", "r11", "memory");
	return ret;
}

#define sys(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t);
size_t strlen(const char *);
int streq(const char *, const char *);
int memcmp(const void *, const void *, size_t);
long parse_fd(const char *);

/* Exit codes shared with the launcher (src/Launcher/ReturnCode.cs). */
#define EXIT_SETUP   125  /* the image could not be set up */
#define EXIT_NOEXEC  126  /* the program cannot be loaded */
#define EXIT_CHANGED 118  /* resume: a file the program mapped changed */

_Noreturn void die(int code, const char *what, const char *name, long err);
int move_above(int, int);
int move_high(long);
uint64_t xcr0(void);
void *map(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);

#endif
