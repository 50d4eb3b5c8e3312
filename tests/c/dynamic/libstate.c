/* A shared library with state of every kind a library keeps: .data,
 * .bss, __thread TLS, and a constant behind RELRO (its GOT). Linked by
 * libs.c, loaded by dlopen.c. */
#include <stdlib.h>

long lib_data = 11;
long lib_bss[64];
__thread long lib_tls = 5;
static long *const lib_relro = &lib_bss[3];

long lib_step(long i)
{
	lib_data += i;
	lib_bss[i % 64] += 2;
	*lib_relro += 1;
	lib_tls += i & 3;
	return lib_data + lib_tls;
}

long *lib_tls_address(void)
{
	return &lib_tls;
}

long lib_digest(void)
{
	long s = lib_data * 31 + lib_tls;
	int i;

	for (i = 0; i < 64; i++) s = s * 7 + lib_bss[i];
	return s;
}
