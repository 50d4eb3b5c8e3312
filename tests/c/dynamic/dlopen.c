/* dlopen under Zhuque is refused for now (a library loaded at run time
 * would have its data outside the image): NULL, with dlerror saying so.
 * Natively the library loads. dlopen(0) loads nothing and still works. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *self = dlopen(0, RTLD_NOW);
	void *h;

	if (argc < 2 || !self) return 2;
	h = dlopen(argv[1], RTLD_NOW);
	if (h) printf("loaded %s\n", argv[1]);
	else printf("refused: %s\n", dlerror());
	return 0;
}
