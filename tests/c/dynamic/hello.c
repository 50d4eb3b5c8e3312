/* A plain musl-gcc program (dynamic, libc only): the same output and exit
 * status under zhuque as natively. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>

static int calls = 40;

int main(int argc, char **argv)
{
	char *copy = strdup(argv[argc - 1]);
	int i;

	for (i = 0; i < argc; i++) printf("argv[%d] %s\n", i, argv[i]);
	printf("ZQ_HELLO %s\n", getenv("ZQ_HELLO") ? getenv("ZQ_HELLO") : "(unset)");
	printf("copy %s calls %d\n", copy, ++calls);
	if (open("/no/such/file", O_RDONLY) < 0) printf("open: %s\n", strerror(errno));
	fprintf(stderr, "to stderr\n");
	free(copy);
	return 3;
}
