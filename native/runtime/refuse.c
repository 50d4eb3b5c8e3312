#include "zq.h"
#include "syscall.h"
#include "ksigaction.h"
#include <fcntl.h>
#include <errno.h>
#include <string.h>

/* Calls whose effects cannot be made persistent fail with ENOSYS, and the
 * image's log says which and why. A forked child would share every page
 * of the image with its parent (the memory is MAP_SHARED), and a process
 * that execs another program leaves its image behind. The shim's seccomp
 * filter (native/shim/filter.c) refuses the same calls made below libc. */
static const char *why(const char *what)
{
	if (!strcmp(what, "fork") || !strcmp(what, "vfork") || !strcmp(what, "clone"))
		return "a child would share the image's memory with its parent";
	if (!strcmp(what, "execve"))
		return "the program would leave its image behind";
	return "its state would live outside the image";
}

static size_t line(char *buf, const char *head, const char *what, const char *mid, const char *tail)
{
	size_t n = strlen(head);

	memcpy(buf, head, n);
	n += strlen(strncpy(buf + n, what, 32));
	memcpy(buf + n, mid, strlen(mid));
	n += strlen(mid);
	n += strlen(strncpy(buf + n, tail, 255 - n - 1));
	buf[n++] = '\n';
	return n;
}

static void note(const char *what)
{
	long fd = __syscall(SYS_openat, __zq_ctx->dir_fd, "zhuque.log",
		O_WRONLY|O_APPEND|O_NOFOLLOW|O_CLOEXEC);
	char buf[256];

	if (fd < 0) return;
	__syscall(SYS_write, fd, buf, line(buf, "[runtime] ", what, "() refused (ENOSYS): ", why(what)));
	__syscall(SYS_close, fd);
}

/* The log is where nobody looks when a daemon exits at once (Redis's
 * daemonize forks, takes -1 for the parent's side and exits 0), so the
 * first refusal of each kind is also one line on the program's stderr. */
static void tell(const char *what)
{
	static const char *const kinds[] = { "fork", "vfork", "clone", "execve", "shmget", "io_uring_setup" };
	static volatile unsigned told;
	char buf[256];
	unsigned i;

	for (i = 0; i < sizeof kinds / sizeof *kinds && strcmp(kinds[i], what); i++);
	if (told & 1u << i) return;
	told |= 1u << i;
	__syscall(SYS_write, 2, buf, line(buf, "zhuque: ", what,
		"() is not supported under Zhuque (ENOSYS): ", why(what)));
}

long __zq_refuse(const char *what)
{
	if (!__zq_ctx) return 0;
	note(what);
	tell(what);
	return -ENOSYS;
}

long __zq_vfork_refused(void)
{
	return __syscall_ret(__zq_refuse("vfork"));
}

/* A system call made from outside the program's text, through the code
 * the shim maps at ZQ_GATE_ADDR: the seccomp filter refuses exec and the
 * runtime's descriptors only to calls from the program's text. */
long __zq_gate(long n, long a, long b, long c, long d, long e)
{
	return ((long (*)(long, long, long, long, long, long))ZQ_GATE_ADDR)(n, a, b, c, d, e);
}

/* posix_spawn's child, which shares memory only until it execs, may exec;
 * the process that owns the image may not. */
long __zq_execve(const char *path, char *const argv[], char *const envp[])
{
	if (!__zq_ctx) return __syscall(SYS_execve, path, argv, envp);
	if (__syscall(SYS_getpid) == __zq_ctx->pid) return __zq_refuse("execve");
	return __zq_gate(SYS_execve, (long)path, (long)argv, (long)envp, 0, 0);
}

/* posix_spawn's child shares the image's memory and, until it execs, a
 * copy of its descriptors: it lets go of the image lock and the runtime's
 * other descriptors at once (so a child stuck before its exec cannot keep
 * the image locked), and of the runtime's handlers, which must never run
 * in it. Its descriptor table and handlers are its own (no CLONE_FILES,
 * no CLONE_SIGHAND). */
void __zq_spawn_child(void)
{
	struct zq_header *h = __zq_ctx;
	struct k_sigaction dfl = { 0 };

	if (!h) return;
	__zq_gate(SYS_close, h->lock_fd, 0, 0, 0, 0);
	__zq_gate(SYS_close, h->dir_fd, 0, 0, 0, 0);
	__zq_gate(SYS_close, h->arena_fd, 0, 0, 0, 0);
	__syscall(SYS_rt_sigaction, SIGPWR, &dfl, 0, _NSIG/8);
	__syscall(SYS_rt_sigaction, ZQ_SIGSTOP_THREAD, &dfl, 0, _NSIG/8);
}
