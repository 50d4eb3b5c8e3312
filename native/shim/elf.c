#include "shim.h"
#include <fcntl.h>
#include <sys/mman.h>

static void read_at(struct program *p, void *buf, uint64_t len, uint64_t off)
{
	long r = sys4(SYS_pread64, p->fd, buf, len, off);
	if (r != (long)len) die(EXIT_NOEXEC, "cannot read", p->path, r < 0 ? r : -8);
}

static void check_header(struct program *p)
{
	const Elf64_Ehdr *e = &p->eh;

	if (e->e_ident[EI_MAG0] != ELFMAG0 || e->e_ident[EI_MAG1] != ELFMAG1
	    || e->e_ident[EI_MAG2] != ELFMAG2 || e->e_ident[EI_MAG3] != ELFMAG3)
		die(EXIT_NOEXEC, "not an ELF program:", p->path, 0);
	if (e->e_ident[EI_CLASS] != ELFCLASS64 || e->e_ident[EI_DATA] != ELFDATA2LSB
	    || e->e_machine != EM_X86_64)
		die(EXIT_NOEXEC, "not an x86_64 program:", p->path, 0);
	if (e->e_type != ET_EXEC && e->e_type != ET_DYN)
		die(EXIT_NOEXEC, "not an executable ELF file:", p->path, 0);
	if (e->e_phentsize != sizeof(Elf64_Phdr) || !e->e_phnum || e->e_phnum > MAX_PHDRS)
		die(EXIT_NOEXEC, "bad program headers in", p->path, 0);
}

/* An ET_DYN file is placed at bias: from here on its headers carry the
 * addresses it has in memory. */
static void relocate(struct program *p, uint64_t bias)
{
	int i;

	if (p->eh.e_type != ET_DYN) return;
	p->bias = bias;
	p->eh.e_entry += bias;
	for (i = 0; i < p->eh.e_phnum; i++) p->ph[i].p_vaddr += bias;
}

/* A dynamic program must ask for musl's dynamic linker: Zhuque's libc.so
 * stands in for it. */
static void check_interp(struct program *p, const Elf64_Phdr *ph)
{
	static const char musl[] = "/lib/ld-musl-x86_64.so.1";
	char name[sizeof musl];

	if (ph->p_filesz != sizeof musl)
		die(EXIT_NOEXEC, "not a musl program (its dynamic linker is not musl's):", p->path, 0);
	read_at(p, name, sizeof name, ph->p_offset);
	if (memcmp(name, musl, sizeof musl))
		die(EXIT_NOEXEC, "not a musl program (its dynamic linker is not musl's):", p->path, 0);
	p->dynamic = 1;
}

/* Collect what loading needs: where the writable segments lie, where the
 * program ends, and where its program headers are once mapped. */
static void survey(struct program *p)
{
	int i;

	p->data_lo = UINT64_MAX;
	for (i = 0; i < p->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &p->ph[i];
		if (ph->p_type == PT_INTERP) check_interp(p, ph);
		if (ph->p_type != PT_LOAD) continue;
		if ((ph->p_vaddr - ph->p_offset) % PAGE || ph->p_filesz > ph->p_memsz)
			die(EXIT_NOEXEC, "misaligned segment in", p->path, 0);
		if (PAGE_UP(ph->p_vaddr + ph->p_memsz) > p->end)
			p->end = PAGE_UP(ph->p_vaddr + ph->p_memsz);
		if (ph->p_offset <= p->eh.e_phoff
		    && p->eh.e_phoff < ph->p_offset + ph->p_filesz)
			p->phdr_addr = ph->p_vaddr + p->eh.e_phoff - ph->p_offset;
		if (!(ph->p_flags & PF_W) && ph->p_memsz == ph->p_filesz) continue;
		if (PAGE_DOWN(ph->p_vaddr) < p->data_lo) p->data_lo = PAGE_DOWN(ph->p_vaddr);
		if (PAGE_UP(ph->p_vaddr + ph->p_memsz) > p->data_hi)
			p->data_hi = PAGE_UP(ph->p_vaddr + ph->p_memsz);
	}
	if (!p->phdr_addr) die(EXIT_NOEXEC, "program headers not loaded by", p->path, 0);
	if (p->data_lo == UINT64_MAX) p->data_lo = p->data_hi = p->end;
	if (p->end >= ZQ_SHIM_BASE) die(EXIT_NOEXEC, "program overlaps Zhuque's address window:", p->path, 0);
}

/* Read an ELF file's headers, placing an ET_DYN one at bias. */
void load_elf(struct program *p, const char *path, uint64_t bias)
{
	long fd = sys(SYS_open, path, O_RDONLY|O_CLOEXEC, 0);

	p->path = path;
	if (fd < 0) die(EXIT_NOEXEC, "cannot open", path, fd);
	p->fd = fd;
	read_at(p, &p->eh, sizeof p->eh, 0);
	check_header(p);
	read_at(p, p->ph, p->eh.e_phnum * sizeof *p->ph, p->eh.e_phoff);
	relocate(p, bias);
	survey(p);
}

/* The program: static ET_EXEC (zhuque-cc), or dynamic for musl's dynamic
 * linker, PIE (ET_DYN, at base: ZQ_PIE_BASE at run, the header's
 * prog_base at resume) or not. */
void load_program(struct program *p, const char *path, uint64_t base)
{
	load_elf(p, path, base);
	if (p->eh.e_type == ET_DYN && !p->dynamic)
		die(EXIT_NOEXEC, "a shared object or static PIE, not a program Zhuque loads:", path, 0);
}

static int prot_of(const Elf64_Phdr *ph)
{
	return (ph->p_flags & PF_R ? PROT_READ : 0)
		| (ph->p_flags & PF_W ? PROT_WRITE : 0)
		| (ph->p_flags & PF_X ? PROT_EXEC : 0);
}

/* Read-only segments are mapped privately from the program file, as the
 * kernel would, but never over a page of the data range. */
static void map_text(struct program *p, struct zq_header *h, const Elf64_Phdr *ph, uint32_t file)
{
	uint64_t lo = PAGE_DOWN(ph->p_vaddr), hi = PAGE_UP(ph->p_vaddr + ph->p_filesz);
	uint64_t off = PAGE_DOWN(ph->p_offset);
	void *r;

	if (lo < p->data_hi && hi > p->data_lo) {
		if (lo >= p->data_lo) return;
		hi = p->data_lo;
	}
	r = map(lo, hi - lo, prot_of(ph), MAP_PRIVATE|MAP_FIXED_NOREPLACE, p->fd, off);
	if ((long)r < 0) die(EXIT_SETUP, "cannot map the text of", p->path, (long)r);
	add_region(h, lo, hi, off, prot_of(ph), file);
}

/* Writable segments live in regions/data, at off; their initial bytes
 * are copied from the ELF file, and the rest (.bss) is the file's zeroes. */
static void map_data(struct program *p, struct zq_header *h, int fd, uint64_t off)
{
	uint64_t size = p->data_hi - p->data_lo;
	int i;
	void *r;

	if (!size) return;
	take_space(fd, off, size, zq_file_names[ZQ_FILE_DATA]);
	r = map(p->data_lo, size, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED_NOREPLACE, fd, off);
	if ((long)r < 0) die(EXIT_SETUP, "cannot map the data of", p->path, (long)r);
	for (i = 0; i < p->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &p->ph[i];
		uint64_t a = ph->p_vaddr, b = ph->p_vaddr + ph->p_filesz;
		if (ph->p_type != PT_LOAD) continue;
		if (a < p->data_lo) a = p->data_lo;
		if (b > p->data_hi) b = p->data_hi;
		if (a < b) read_at(p, (void *)a, b - a, ph->p_offset + (a - ph->p_vaddr));
	}
	add_region(h, p->data_lo, p->data_hi, off, PROT_READ|PROT_WRITE, ZQ_FILE_DATA);
}

static void map_segments(struct program *p, struct zq_header *h, uint32_t file)
{
	int i;

	for (i = 0; i < p->eh.e_phnum; i++)
		if (p->ph[i].p_type == PT_LOAD && p->ph[i].p_filesz)
			map_text(p, h, &p->ph[i], file);
}

/* The program, and for a dynamic one the dynamic linker (libc.so, whose
 * text comes back at resume as entry 0 of the mapped-file table). Both
 * writable parts are in regions/data before the dynamic linker runs: it
 * relocates itself and keeps the first thread's TLS in its .bss. */
void map_program(struct program *p, struct program *ld, struct zq_header *h, int rdir)
{
	uint64_t size = p->data_hi - p->data_lo;
	int fd = create_file(rdir, zq_file_names[ZQ_FILE_DATA], size + (ld ? ld->data_hi - ld->data_lo : 0));

	map_segments(p, h, ZQ_FILE_PROGRAM);
	map_data(p, h, fd, 0);
	if (ld) {
		map_segments(ld, h, ZQ_FILE_MAPPED + add_mapfile(h, ld));
		map_data(ld, h, fd, size);
	}
	sys(SYS_close, fd, 0, 0);
	h->prog_base = p->bias;
	h->interp_base = ld ? ld->bias : 0;
	h->entry = p->eh.e_entry;
	h->phdr = p->phdr_addr;
	h->phnum = p->eh.e_phnum;
}

/* The vDSO's bytes, hashed: with ASLR off another kernel may map another
 * vDSO at the same address, and a program resumed there would call into
 * code that is not what it linked against. Its PT_LOAD segments (linked
 * at 0) say how far it extends. */
uint64_t vdso_hash(uint64_t base)
{
	const Elf64_Ehdr *e = (const void *)base;
	const Elf64_Phdr *ph;
	uint64_t end = 0;
	int i;

	if (!base || e->e_ident[EI_MAG0] != ELFMAG0 || e->e_phentsize != sizeof *ph)
		return 0;
	ph = (const void *)(base + e->e_phoff);
	for (i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	return zq_fnv(ZQ_FNV_OFFSET, (const void *)base, end);
}
