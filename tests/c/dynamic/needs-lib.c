int needs_lib(void) { return 0; }
