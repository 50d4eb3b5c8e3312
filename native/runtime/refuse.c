#include "zq.h"
#include "syscall.h"
#include <fcntl.h>
#include <errno.h>
#include <string.h>

/* Calls whose effects cannot be made persistent fail with ENOSYS, and the
 * image's log says which and why. A forked child would share every page
 * of the image with its parent (the memory is MAP_SHARED), and a process
 * that execs another program leaves its image behind. */
static void note(const char *what, const char *why)
{
	static const char head[] = "[runtime] ";
	long fd = __syscall(SYS_openat, __zq_ctx->dir_fd, "zhuque.log",
		O_WRONLY|O_APPEND|O_NOFOLLOW|O_CLOEXEC);
	char line[256];
	size_t n = 0;

	if (fd < 0) return;
	memcpy(line, head, sizeof head - 1);
	n = sizeof head - 1;
	n += strlen(strncpy(line + n, what, 64));
	memcpy(line + n, "() refused (ENOSYS): ", 21);
	n += 21;
	n += strlen(strncpy(line + n, why, sizeof line - n - 2));
	line[n++] = '\n';
	__syscall(SYS_write, fd, line, n);
	__syscall(SYS_close, fd);
}

long __zq_refuse(const char *what)
{
	if (!__zq_ctx) return 0;
	note(what, strcmp(what, "fork")
		? "its state would live outside the image"
		: "a child would share the image's memory with its parent");
	return -ENOSYS;
}

long __zq_vfork_refused(void)
{
	__zq_refuse("vfork");
	return __syscall_ret(-ENOSYS);
}

/* posix_spawn's child, which shares memory only until it execs, may exec;
 * the process that owns the image may not. */
long __zq_refuse_exec(void)
{
	if (!__zq_ctx || __syscall(SYS_getpid) != __zq_ctx->pid) return 0;
	note("execve", "the program would leave its image behind");
	return -ENOSYS;
}
