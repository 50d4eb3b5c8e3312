#ifndef SHIM_H
#define SHIM_H

#include "sys.h"
#include <elf.h>
#include <zhuque/image.h>

#define PAGE 4096UL
#define PAGE_DOWN(x) ((x) & -PAGE)
#define PAGE_UP(x) (((x) + PAGE - 1) & -PAGE)
#define MAX_PHDRS 64

/* Where the shim places what has no address of its own at run: a PIE
 * program, and Zhuque's libc.so as the dynamic linker of a musl-gcc
 * program (the header records both: prog_base, interp_base). Both lie
 * below the shim, the brk window (1 GiB) fitting after the program. */
#define ZQ_PIE_BASE    0x0000010000000000ULL
#define ZQ_INTERP_BASE 0x0000040000000000ULL

struct program {
	const char *path;
	int fd;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	uint64_t phdr_addr;     /* where the phdrs are in memory (AT_PHDR) */
	uint64_t data_lo;       /* page range of the writable segments */
	uint64_t data_hi;
	uint64_t end;           /* page-rounded end of the highest segment */
	uint64_t bias;          /* where an ET_DYN file is placed */
	int dynamic;            /* it asks for musl's dynamic linker */
};

/* elf.c */
void load_elf(struct program *, const char *, uint64_t);
void load_program(struct program *, const char *, uint64_t);
void map_program(struct program *, struct program *, struct zq_header *, int);
uint64_t vdso_hash(uint64_t);

/* image.c */
int create_file(int, const char *, uint64_t);
void take_space(int, uint64_t, uint64_t, const char *);
struct zq_header *create_context(int);
void add_region(struct zq_header *, uint64_t, uint64_t, uint64_t, uint32_t, uint32_t);
void map_windows(struct zq_header *, int, uint64_t);
void map_stack(struct zq_header *, int);

/* mapfile.c */
void check_mapped_files(const struct zq_header *);
long map_file_region(const struct zq_header *, const struct zq_region *);
uint32_t add_mapfile(struct zq_header *, const struct program *);
const char *pin_libc(int, uint32_t);

/* stack.c */
uint64_t build_stack(struct zq_header *, struct program *, uint64_t, char **, char **, uint64_t *);

/* filter.c */
void install_filter(const struct zq_header *, const struct program *, const struct program *);

/* resume.c */
_Noreturn void resume(int, int, const char *, uint64_t *);

_Noreturn void enter(uint64_t entry, uint64_t sp);

#endif
