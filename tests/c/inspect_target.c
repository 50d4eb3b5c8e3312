/* What `zhuque inspect` must explain: the main thread spins in spin_here,
 * called from middle, called from main; a second thread sleeps in musl's
 * nanosleep, called from sleeper; a third waits in pthread_cond_wait (which
 * musl makes a jump to pthread_cond_timedwait), called from waiter; a
 * fourth spins in a SIGUSR1 handler that interrupted it in pthread_kill,
 * called from raiser. "spinning" is printed once all are seen where they
 * stay, so a failure after it finds every thread there.
 * noipa keeps gcc from inlining, cloning or marking these noreturn, so
 * their names and calls stay as written at -O2 too. The INSPECT_ comments
 * mark the lines the tests expect (they search for them). heap_note is
 * what a debugger reads back from a core (CoreTests). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static volatile unsigned long counter;
static volatile int sleeper_tid, waiter_tid, in_handler;
static volatile unsigned long handler_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
char *heap_note;

__attribute__((noipa)) void spin_here(void)
{
	for (;;) /* INSPECT_SPIN_LOOP */
		counter++; /* INSPECT_SPIN_LINE */
}

__attribute__((noipa)) void middle(int depth)
{
	if (depth > 0)
		spin_here(); /* INSPECT_MIDDLE_CALL */
	puts("not reached");
}

__attribute__((noipa)) void sleeper(void)
{
	sleeper_tid = syscall(SYS_gettid);
	for (;;)
		sleep(1000); /* INSPECT_SLEEP_CALL */
}

static void *sleeper_thread(void *arg)
{
	sleeper();
	return arg;
}

__attribute__((noipa)) void waiter(void)
{
	pthread_mutex_lock(&lock);
	waiter_tid = syscall(SYS_gettid);
	for (;;)
		pthread_cond_wait(&never, &lock); /* INSPECT_WAIT_CALL */
}

static void *waiter_thread(void *arg)
{
	waiter();
	return arg;
}

__attribute__((noipa)) void spin_in_handler(void)
{
	in_handler = 1;
	for (;;)
		handler_counter++;
}

__attribute__((noipa)) void on_usr1(int signo)
{
	(void)signo;
	spin_in_handler(); /* INSPECT_HANDLER_CALL */
}

__attribute__((noipa)) void raiser(void)
{
	pthread_kill(pthread_self(), SIGUSR1); /* INSPECT_RAISE_CALL */
}

static void *raiser_thread(void *arg)
{
	raiser();
	return arg;
}

/* The kernel's state letter for a thread: 'S' once it sleeps in nanosleep. */
static char thread_state(int tid)
{
	char path[64], line[256], *p;
	FILE *f;

	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(line, sizeof line, f);
	fclose(f);
	if (!p || !(p = strrchr(line, ')')))
		return '?';
	return p[2];
}

int main(int argc, char **argv)
{
	pthread_t t;

	(void)argv;
	heap_note = malloc(64);
	if (!heap_note)
		return 1;
	strcpy(heap_note, "a note on the heap");
	signal(SIGUSR1, on_usr1);
	if (pthread_create(&t, 0, sleeper_thread, 0) || pthread_create(&t, 0, waiter_thread, 0)
	    || pthread_create(&t, 0, raiser_thread, 0))
		return 1;
	while (!sleeper_tid || thread_state(sleeper_tid) != 'S' || !waiter_tid || thread_state(waiter_tid) != 'S'
	       || !in_handler)
		usleep(1000);
	puts("spinning");
	fflush(stdout);
	middle(argc); /* INSPECT_MAIN_CALL */
	return 0;
}
