/* fork and exec refused below libc: through syscall() and as raw system
 * call instructions (the shim's seccomp filter), and so is a clone the
 * guard would not trace (CLONE_UNTRACED), while posix_spawn,
 * system and popen still run programs, and those programs may fork.
 * The filter forces no speculation mitigation on the program (its
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW; only visible on a CPU with SSBD and a
 * kernel in spec_store_bypass_disable=seccomp mode). */
#include "../kinds/check.h"
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/prctl.h>

extern char **environ;

static long raw(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

/* clone(CLONE_VM|CLONE_VFORK|CLONE_UNTRACED) on this stack: a child
 * that got through exits in the next instruction, touching nothing, and
 * the parent gets its pid. */
static long untraced(void)
{
	long r;
	__asm__ volatile ("syscall; test %%rax,%%rax; jnz 1f; mov $60,%%eax; mov $99,%%edi; syscall; 1:"
		: "=a"(r) : "a"((long)SYS_clone), "D"((long)(CLONE_VM|CLONE_VFORK|CLONE_UNTRACED|SIGCHLD)), "S"(0L), "d"(0L)
		: "rcx", "r11", "r10", "r8", "memory");
	return r;
}

/* A child that got through exits at once, so it cannot run the checks. */
static void refused(const char *what, long r)
{
	if (r == 0) _exit(99);
	CHECK(r == -ENOSYS, "%s: %ld", what, r);
}

static void refused_libc(const char *what, long r)
{
	if (r == 0) _exit(99);
	CHECK(r < 0 && errno == ENOSYS, "%s: %ld, %s", what, r, strerror(errno));
	errno = 0;
}

int main(void)
{
	char *argv[] = { "/bin/true", 0 };
	char *sh[] = { "/bin/sh", "-c", "echo piped | cat | cat >/dev/null && exit 5", 0 };
	char line[32] = {0};
	long args[11] = { SIGCHLD };
	pid_t pid;
	int status;
	FILE *f;

	refused_libc("syscall(SYS_fork)", syscall(SYS_fork));
	refused_libc("syscall(SYS_clone, SIGCHLD)", syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
	refused_libc("syscall(SYS_execve)", syscall(SYS_execve, "/bin/true", argv, environ));
	refused("raw fork", raw(SYS_fork, 0, 0, 0));
	refused("raw clone(SIGCHLD)", raw(SYS_clone, SIGCHLD, 0, 0));
	refused("raw clone(CLONE_UNTRACED)", untraced());
	refused("raw clone3", raw(SYS_clone3, (long)args, sizeof args, 0));
	refused("raw execve", raw(SYS_execve, (long)"/bin/true", (long)argv, (long)environ));
	refused("raw execveat", raw(SYS_execveat, AT_FDCWD, (long)"/bin/true", (long)argv));
	CHECK(!(prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0) & PR_SPEC_FORCE_DISABLE),
		"speculative store bypass forced off");
	CHECK(!(prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_INDIRECT_BRANCH, 0, 0, 0) & PR_SPEC_FORCE_DISABLE),
		"indirect branch speculation forced off");

	CHECK(posix_spawn(&pid, sh[0], 0, 0, sh, environ) == 0, "posix_spawn");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5,
		"a spawned shell that forks: status %#x", status);
	CHECK(system("exit 3") == 3 << 8, "system()");
	f = popen("echo hi", "r");
	CHECK(f && fgets(line, sizeof line, f) && !strcmp(line, "hi\n"), "popen: '%s'", line);
	CHECK(f && pclose(f) == 0, "pclose");
	return verdict();
}
