/* A thread made by a bare clone(2), not by pthread_create: without the
 * flags the runtime's pthread_create passes (CLONE_UNTRACED|CLONE_PTRACE),
 * so the guard must still trace it from birth through its clone event
 * (GuardStopTests). Its stack is a static array, image memory. Prints
 * PASS once the thread ran and its clear-tid word was cleared. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUTEX_WAIT 0

static char stack[65536] __attribute__((aligned(16)));
static volatile int ran, tid = 1;

static int child(void *a)
{
	(void)a;
	ran = 1;
	return 0;
}

int main(void)
{
	int t = clone(child, stack + sizeof stack, CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND
		|CLONE_THREAD|CLONE_SYSVSEM|CLONE_CHILD_CLEARTID, 0, 0, 0, &tid);

	if (t < 0) {
		perror("clone");
		return 1;
	}
	while (tid) syscall(SYS_futex, &tid, FUTEX_WAIT, tid, 0, 0, 0);
	puts(ran ? "PASS" : "FAIL: the thread never ran");
	return !ran;
}
