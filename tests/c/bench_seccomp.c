/* Benchmark (not a test): what a seccomp filter costs a system call.
 * Three processes on one CPU take turns running ROUNDS x N getppid calls:
 * one without a filter, one with a filter that allows by number (the
 * shape of the shim's hot path, which the kernel's action cache answers
 * without running it) and one whose filter reads an argument (the BPF
 * runs on every call, as for the shim's close and dup2). Turns rather
 * than one after another, so that a loaded machine slows all three alike;
 * the least of each process's turns is printed, in ns per call.
 *	bench_seccomp [ROUNDS] [N] */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LD(off) BPF_STMT(BPF_LD|BPF_W|BPF_ABS, offsetof(struct seccomp_data, off))

static struct sock_filter by_number[] = {
	LD(arch),
	BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|38),
	LD(nr),
	BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, SYS_fork, 0, 1),
	BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|38),
	BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ALLOW),
};

static struct sock_filter by_argument[] = {
	LD(args[0]),
	BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, 12345, 0, 1),
	BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|9),
	BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ALLOW),
};

static const struct {
	const char *name;
	struct sock_filter *f;
	unsigned short len;
} kinds[] = {
	{ "no filter", 0, 0 },
	{ "filter allowing by number (cached)", by_number, sizeof by_number / sizeof *by_number },
	{ "filter reading an argument", by_argument, sizeof by_argument / sizeof *by_argument },
};
#define KINDS (int)(sizeof kinds / sizeof *kinds)

static double ns_per_call(long n)
{
	struct timespec a, b;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
}

static void child(int k, int go, int done, int rounds, long n)
{
	struct sock_fprog prog = { kinds[k].len, kinds[k].f };
	double best = 1e30, v;
	char c;
	int r;

	if (kinds[k].f && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog))) {
		perror("seccomp");
		_exit(1);
	}
	for (r = 0; r < rounds; r++) {
		if (read(go, &c, 1) != 1) _exit(1);
		v = ns_per_call(n);
		if (v < best) best = v;
		/* Printed within the last turn: the lines come in order. */
		if (r == rounds - 1) {
			printf("%-36s %6.1f ns per getppid (least of %d turns of %ld)\n", kinds[k].name, best, rounds, n);
			fflush(stdout);
		}
		if (write(done, "x", 1) != 1) _exit(1);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 40;
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	int go[KINDS][2], done[2], k, r, status, failed = 0;
	char c;

	if (rounds < 1 || n < 1 || pipe(done)) return 2;
	for (k = 0; k < KINDS; k++) {
		if (pipe(go[k])) return 1;
		if (!fork()) child(k, go[k][0], done[1], rounds, n);
	}
	/* One turn at a time, in order; each child prints once it is done. */
	for (r = 0; r < rounds; r++)
		for (k = 0; k < KINDS; k++)
			if (write(go[k][1], "x", 1) != 1 || read(done[0], &c, 1) != 1) return 1;
	for (k = 0; k < KINDS; k++) {
		wait(&status);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	return failed;
}
