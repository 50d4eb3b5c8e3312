/* The process and its threads keep their kernel ids across failures
 * (issue 15): getpid(), every thread's gettid() and the tid musl keeps
 * in its struct pthread stay what they were at the start, and so the
 * words that name a tid stay right with nothing rewriting them: four
 * FILEs held by flockfile (their owner locks them again recursively,
 * others cannot), a robust mutex and an error-checking mutex held across
 * every failure (EDEADLK for the owner, unlock by the owner), a signal
 * sent by pthread_kill reaches its thread, and a pid file names the
 * process. argv[1]: a directory for the files. */
#include "check.h"
#include <pthread.h>
#include <signal.h>

#define THREADS 16
#define ROUNDS 50
#define FILES 4
#define ROBUST FILES
#define ERRCHECK (FILES + 1)

static pid_t pid0, tids[THREADS];
static volatile pid_t got[THREADS];
static pthread_t threads[THREADS];
static FILE *files[FILES];
static pthread_mutex_t robust, errcheck;
static pthread_barrier_t started, checked;
static _Thread_local int index_of = -1;

/* musl's own record of the thread's tid (struct pthread: self, dtv,
 * prev, next, sysinfo, canary, tid), what pthread_kill and the mutexes
 * use. */
static pid_t musl_tid(pthread_t t)
{
	return *(volatile int *)((char *)t + 48);
}

static void on_usr1(int sig)
{
	(void)sig;
	if (index_of >= 0) got[index_of] = gettid();
}

static void check_ids(int i)
{
	CHECK(getpid() == pid0, "thread %d: getpid() %d, was %d", i, getpid(), pid0);
	CHECK(gettid() == tids[i], "thread %d: gettid() %d, was %d", i, gettid(), tids[i]);
	CHECK(musl_tid(pthread_self()) == tids[i], "thread %d: pthread_self's tid %d, was %d", i, musl_tid(pthread_self()), tids[i]);
}

static void check_locks(int i)
{
	struct timespec at;
	int r;

	if (i < FILES) {
		CHECK(ftrylockfile(files[i]) == 0, "thread %d cannot lock its own FILE again", i);
		funlockfile(files[i]);
		CHECK(ftrylockfile(files[(i + 1) % FILES]) != 0, "thread %d locked FILE %d held by another", i, (i + 1) % FILES);
	} else if (i == ERRCHECK) {
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_sec += 2;
		r = pthread_mutex_timedlock(&errcheck, &at);
		CHECK(r == EDEADLK, "the error-checking mutex's owner locking it again: %s, not EDEADLK", strerror(r));
		r = pthread_mutex_trylock(&robust);
		CHECK(r == EBUSY, "the robust mutex taken by another thread: %s, not EBUSY", strerror(r));
	}
}

static void *run(void *arg)
{
	int i = (int)(long)arg, k;

	index_of = i;
	tids[i] = gettid();
	if (i < FILES) flockfile(files[i]);
	if (i == ROBUST) pthread_mutex_lock(&robust);
	if (i == ERRCHECK) pthread_mutex_lock(&errcheck);
	pthread_barrier_wait(&started);
	for (k = 0; k < ROUNDS; k++) {
		hold(0.1);
		check_ids(i);
		check_locks(i);
	}
	/* The main thread signals each thread here, by pthread_kill. */
	pthread_barrier_wait(&checked);
	pthread_barrier_wait(&checked);
	check_ids(i);
	if (i < FILES) funlockfile(files[i]);
	if (i == ROBUST) CHECK(pthread_mutex_unlock(&robust) == 0, "the robust mutex's owner cannot unlock it");
	if (i == ERRCHECK) CHECK(pthread_mutex_unlock(&errcheck) == 0, "the error-checking mutex's owner cannot unlock it");
	return 0;
}

static void check_signals(void)
{
	int i, n;

	for (i = 0; i < THREADS; i++) {
		CHECK(pthread_kill(threads[i], SIGUSR1) == 0, "pthread_kill of thread %d", i);
		for (n = 0; !got[i] && n < 2000; n++) hold(0.001);
		CHECK(got[i] == tids[i], "thread %d's signal was taken by tid %d, not %d", i, got[i], tids[i]);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	pthread_mutexattr_t a;
	char path[4096], text[32] = { 0 };
	pid_t tid0 = gettid();
	FILE *f;
	int i;

	pid0 = getpid();
	snprintf(path, sizeof path, "%s/stable_ids.pid", dir);
	f = fopen(path, "w");
	fprintf(f, "%d\n", pid0);
	fclose(f);
	for (i = 0; i < FILES; i++) {
		snprintf(path, sizeof path, "%s/stable_ids.%d", dir, i);
		files[i] = fopen(path, "w");
	}
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&errcheck, &a);
	signal(SIGUSR1, on_usr1);
	pthread_barrier_init(&started, 0, THREADS + 1);
	pthread_barrier_init(&checked, 0, THREADS + 1);
	for (i = 0; i < THREADS; i++) pthread_create(&threads[i], 0, run, (void *)(long)i);
	pthread_barrier_wait(&started);
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < ROUNDS; i++) {
		hold(0.1);
		CHECK(getpid() == pid0 && gettid() == tid0, "main: pid %d tid %d, were %d %d", getpid(), gettid(), pid0, tid0);
		CHECK(pthread_mutex_trylock(&errcheck) == EBUSY, "the error-checking mutex is free for main");
	}
	pthread_barrier_wait(&checked);
	check_signals();
	pthread_barrier_wait(&checked);
	for (i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], 0) == 0, "join thread %d", i);
	snprintf(path, sizeof path, "%s/stable_ids.pid", dir);
	f = fopen(path, "r");
	CHECK(f && fgets(text, sizeof text, f) && atoi(text) == getpid(), "the pid file says %s, getpid() %d", text, getpid());
	if (f) fclose(f);
	unlink(path);
	for (i = 0; i < FILES; i++) {
		fclose(files[i]);
		snprintf(path, sizeof path, "%s/stable_ids.%d", dir, i);
		unlink(path);
	}
	return verdict();
}
