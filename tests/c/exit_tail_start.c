/* A thread killed at the first instruction of the runtime's exit tail
 * (native/runtime/x86_64/unmapself_tail.s), before the tail has moved
 * the stack's base and size into r12 and r13: the guard finishes such a
 * thread's tail itself (it punches the stack's pages), and must take them
 * from the tail's arguments (rdi, rsi), not from whatever r12 and r13
 * held. A copy of the tail, behind a blocking pause(), parks a thread
 * exactly there with r12/r13 naming other live memory, which must come
 * back intact. Prints ready, then PASS after HOLD seconds (default 3).
 *
 *	exit_tail_start [HOLD]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kinds/check.h"

extern const unsigned char __zq_unmapself_tail[], __zq_unmapself_end[];

static unsigned char *live, *scratch, *code;

static void *parked(void *a)
{
	register long r12 __asm__("r12") = (long)live;
	register long r13 __asm__("r13") = 8192;

	(void)a;
	__asm__ volatile("jmp *%%rax" :: "r"(r12), "r"(r13), "D"(scratch), "S"(4096L), "a"(code) : "memory");
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned char pause_call[] = { 0xb8, 34, 0, 0, 0, 0x0f, 0x05 }; /* mov $34,%eax; syscall */
	size_t len = __zq_unmapself_end - __zq_unmapself_tail;
	pthread_t t;
	int i;

	live = mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	scratch = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	code = mmap(0, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	if (live == MAP_FAILED || scratch == MAP_FAILED || code == MAP_FAILED) {
		printf("FAIL mmap\n");
		return 1;
	}
	memset(live, 0x5a, 8192);
	memcpy(code, pause_call, sizeof pause_call);
	memcpy(code + sizeof pause_call, __zq_unmapself_tail, len);
	pthread_create(&t, 0, parked, 0);
	printf("ready\n");
	fflush(stdout);
	hold(argc > 1 ? atof(argv[1]) : 3);
	for (i = 0; i < 8192; i++) CHECK(live[i] == 0x5a, "byte %d of live memory is %#x", i, live[i]);
	return verdict();
}
