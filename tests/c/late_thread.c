/* A thread that never takes a failure: it blocks every signal with a raw
 * rt_sigprocmask instruction (which the runtime cannot rewrite, as it
 * rewrites masks set through libc) and spins. A power failure then cannot
 * capture it, and is lost after the capture's 2 s, naming that thread.
 *	late_thread   prints "ready TID" (the spinning thread's tid) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int tid;

static void *spin(void *arg)
{
	unsigned long all = ~0UL;
	register long size __asm__("r10") = 8;
	long r;

	(void)arg;
	__asm__ volatile ("syscall" : "=a"(r) : "a"(14), "D"(0), "S"(&all), "d"(0), "r"(size) : "rcx", "r11", "memory");
	tid = gettid();
	for (;;) ;
	return 0;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, 0, spin, 0);
	while (!tid) usleep(1000);
	printf("ready %d\n", tid);
	fflush(stdout);
	for (;;) pause();
}
