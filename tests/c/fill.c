/* Allocates until the image's filesystem is full, the way a program does
 * when its disk or quota runs out: large malloc (mmap), small malloc
 * (brk and groups), raw mmap, and a thread's stack. Each block is filled
 * with a pattern of its index. Then it answers commands on stdin:
 *	check   verify every block; print "intact N"
 *	again   free every other block and allocate as many again; print "again N"
 *	exit    exit 0
 * "full after N blocks, errno ENOMEM" is printed when an allocation fails
 * with ENOMEM; a SIGBUS instead kills the program, which the test sees. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_BLOCKS 65536

static struct block { unsigned char *p; size_t len; int kind; } blocks[MAX_BLOCKS];
static int count;

static size_t size_of(int i, int *kind)
{
	*kind = i % 3;
	if (*kind == 0) return 192 << 10;          /* malloc, served by mmap */
	if (*kind == 1) return 48 + i % 200;       /* malloc, small */
	return 64 << 10;                           /* mmap */
}

static void fill(struct block *b, int i)
{
	for (size_t k = 0; k < b->len; k += 512) b->p[k] = (unsigned char)(i + k / 512);
	b->p[b->len - 1] = (unsigned char)i;
}

static int intact(const struct block *b, int i)
{
	for (size_t k = 0; k < b->len; k += 512)
		if (b->p[k] != (unsigned char)(i + k / 512)) return 0;
	return b->p[b->len - 1] == (unsigned char)i;
}

static int allocate(int i)
{
	struct block *b = &blocks[i];
	b->len = size_of(i, &b->kind);
	if (b->kind == 2) {
		b->p = mmap(0, b->len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (b->p == MAP_FAILED) b->p = 0;
	} else {
		b->p = malloc(b->len);
	}
	if (!b->p) return -1;
	fill(b, i);
	return 0;
}

static void release(int i)
{
	struct block *b = &blocks[i];
	if (b->kind == 2) munmap(b->p, b->len);
	else free(b->p);
	b->p = 0;
}

static void *idle(void *arg)
{
	char local[64 << 10];
	memset(local, 1, sizeof local);
	for (;;) pause();
	return arg;
}

int main(void)
{
	pthread_t t;
	char line[64];
	int err = 0;

	setvbuf(stdout, 0, _IOLBF, 0);
	if (pthread_create(&t, 0, idle, 0)) return 2;
	for (count = 0; count < MAX_BLOCKS; count++) {
		errno = 0;
		if (allocate(count)) {
			err = errno;
			break;
		}
	}
	printf("full after %d blocks, errno %s\n", count, err == ENOMEM ? "ENOMEM" : strerror(err));
	while (fgets(line, sizeof line, stdin)) {
		if (!strcmp(line, "check\n")) {
			int ok = 0;
			for (int i = 0; i < count; i++) ok += blocks[i].p && intact(&blocks[i], i);
			printf("intact %d\n", ok);
		} else if (!strcmp(line, "again\n")) {
			int n = 0;
			for (int i = 0; i < count; i += 2) release(i);
			for (int i = 0; i < count; i += 2) n += !allocate(i);
			printf("again %d\n", n);
		} else if (!strcmp(line, "exit\n")) {
			return 0;
		}
	}
	return 1;
}
