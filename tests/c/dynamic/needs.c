/* Linked against a shared library besides libc (needs-lib.c): refused
 * until such libraries' memory is kept. */
int needs_lib(void);
int main(void) { return needs_lib(); }
