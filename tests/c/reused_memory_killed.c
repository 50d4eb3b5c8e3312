/* tests/c/kinds/reused_memory, for KillTests: memory unmapped and mapped
 * again reads zero when SIGKILLs, saved by the guard, land anywhere in
 * the munmap that zeroes and holds a range or the mmap that takes it
 * (native/runtime/hold.c). */
#include "kinds/reused_memory.c"
