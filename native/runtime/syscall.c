#include "zq.h"
#include "syscall.h"
#include "ksigaction.h"
#include <sched.h>
#include <errno.h>
#include <string.h>

/* syscall() is where a program reaches the kernel past libc's wrappers,
 * so the rules of the wrappers hold here too: the runtime's signals stay
 * out of every mask, its descriptors stay invisible, and fork and exec
 * of the image's process are refused. Inline system call instructions
 * are left to the shim's seccomp filter, which cannot rewrite a mask. */
hidden long __zq_close_range(unsigned, unsigned, unsigned);

static long again(long n, long *x)
{
	return __syscall(n, x[0], x[1], x[2], x[3], x[4], x[5]);
}

/* The call with the mask at argument i stripped of the runtime's signals. */
static long masked(long n, const long *a, int i)
{
	long x[6] = { a[0], a[1], a[2], a[3], a[4], a[5] };
	unsigned long m;

	x[i] = (long)__zq_mask((void *)a[i], &m);
	return again(n, x);
}

static long select6(const long *a)
{
	long x[6] = { a[0], a[1], a[2], a[3], a[4], a[5] }, data[2];
	unsigned long m;

	if (!a[5]) return again(SYS_pselect6, x);
	data[0] = (long)__zq_mask(((void **)a[5])[0], &m);
	data[1] = ((long *)a[5])[1];
	x[5] = (long)data;
	return again(SYS_pselect6, x);
}

static long action(const long *a)
{
	long x[6] = { a[0], a[1], a[2], a[3], a[4], a[5] };
	struct k_sigaction k;
	unsigned long m;
	long r;

	if (a[0] == SIGPWR || a[0] == ZQ_SIGSTOP_THREAD) return -EINVAL;
	if (!a[1]) return again(SYS_rt_sigaction, x);
	k = *(struct k_sigaction *)a[1];
	memcpy(k.mask, __zq_mask(k.mask, &m), sizeof m);
	x[1] = (long)&k;
	r = again(SYS_rt_sigaction, x);
	if (!r && a[0] > 0 && a[0] < _NSIG) __zq_record_action(a[0], &k);
	return r;
}

static long exec(long n, const long *a)
{
	if (__syscall(SYS_getpid) == __zq_ctx->pid) return __zq_refuse("execve");
	return __zq_gate(n, a[0], a[1], a[2], a[3], a[4]);
}

int __zq_syscall(long n, const long *a, long *r)
{
	if (!__zq_ctx) return 0;
	switch (n) {
	case SYS_rt_sigprocmask:
		*r = a[0] == SIG_UNBLOCK ? again(n, (long *)a) : masked(n, a, 1);
		return 1;
	case SYS_rt_sigsuspend:
	case SYS_rt_sigtimedwait:
		*r = masked(n, a, 0);
		return 1;
	case SYS_signalfd:
	case SYS_signalfd4:
		*r = masked(n, a, 1);
		return 1;
	case SYS_ppoll:
		*r = masked(n, a, 3);
		return 1;
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		*r = masked(n, a, 4);
		return 1;
	case SYS_pselect6:
		*r = select6(a);
		return 1;
	case SYS_rt_sigaction:
		*r = action(a);
		return 1;
	case SYS_close:
	case SYS_fcntl:
		if (!__zq_hidden_fd(a[0])) return 0;
		*r = -EBADF;
		return 1;
	case SYS_dup2:
	case SYS_dup3:
		if (!__zq_hidden_fd(a[0]) && !__zq_hidden_fd(a[1])) return 0;
		*r = -EBADF;
		return 1;
	case SYS_close_range:
		*r = __zq_close_range(a[0], a[1], a[2]);
		return 1;
	case SYS_fork:
		*r = __zq_refuse("fork");
		return 1;
	case SYS_vfork:
		*r = __zq_refuse("vfork");
		return 1;
	case SYS_clone:
		if (a[0] & CLONE_VM) return 0;
		*r = __zq_refuse("clone");
		return 1;
	case SYS_execve:
	case SYS_execveat:
		*r = exec(n, a);
		return 1;
	case SYS_io_uring_setup:
		*r = __zq_refuse("io_uring_setup");
		return 1;
	}
	return 0;
}
