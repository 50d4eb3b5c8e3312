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
	if (e->e_type != ET_EXEC)
		die(EXIT_NOEXEC, "not a static non-PIE program (build it with zhuque-cc):", p->path, 0);
	if (e->e_phentsize != sizeof(Elf64_Phdr) || !e->e_phnum || e->e_phnum > MAX_PHDRS)
		die(EXIT_NOEXEC, "bad program headers in", p->path, 0);
}

/* Collect what loading needs: where the writable segments lie, where the
 * program ends, and where its program headers are once mapped. */
static void survey(struct program *p)
{
	int i;

	p->data_lo = UINT64_MAX;
	for (i = 0; i < p->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &p->ph[i];
		if (ph->p_type == PT_INTERP || ph->p_type == PT_DYNAMIC)
			die(EXIT_NOEXEC, "dynamically linked programs are not supported yet (build it with zhuque-cc):", p->path, 0);
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

void load_program(struct program *p, const char *path)
{
	long fd = sys(SYS_open, path, O_RDONLY|O_CLOEXEC, 0);

	p->path = path;
	if (fd < 0) die(EXIT_NOEXEC, "cannot open", path, fd);
	p->fd = fd;
	read_at(p, &p->eh, sizeof p->eh, 0);
	check_header(p);
	read_at(p, p->ph, p->eh.e_phnum * sizeof *p->ph, p->eh.e_phoff);
	survey(p);
}

static int prot_of(const Elf64_Phdr *ph)
{
	return (ph->p_flags & PF_R ? PROT_READ : 0)
		| (ph->p_flags & PF_W ? PROT_WRITE : 0)
		| (ph->p_flags & PF_X ? PROT_EXEC : 0);
}

/* Read-only segments are mapped privately from the program file, as the
 * kernel would, but never over a page of the data range. */
static void map_text(struct program *p, struct zq_header *h, const Elf64_Phdr *ph)
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
	add_region(h, lo, hi, off, prot_of(ph), ZQ_FILE_PROGRAM);
}

/* Writable segments live in regions/data; their initial bytes are copied
 * from the program file, and the rest (.bss) is the file's zeroes. */
static void map_data(struct program *p, struct zq_header *h, int rdir)
{
	uint64_t size = p->data_hi - p->data_lo;
	int fd, i;
	void *r;

	if (!size) return;
	fd = create_file(rdir, zq_file_names[ZQ_FILE_DATA], size);
	take_space(fd, 0, size, zq_file_names[ZQ_FILE_DATA]);
	r = map(p->data_lo, size, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED_NOREPLACE, fd, 0);
	sys(SYS_close, fd, 0, 0);
	if ((long)r < 0) die(EXIT_SETUP, "cannot map the data of", p->path, (long)r);
	for (i = 0; i < p->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &p->ph[i];
		uint64_t a = ph->p_vaddr, b = ph->p_vaddr + ph->p_filesz;
		if (ph->p_type != PT_LOAD) continue;
		if (a < p->data_lo) a = p->data_lo;
		if (b > p->data_hi) b = p->data_hi;
		if (a < b) read_at(p, (void *)a, b - a, ph->p_offset + (a - ph->p_vaddr));
	}
	add_region(h, p->data_lo, p->data_hi, 0, PROT_READ|PROT_WRITE, ZQ_FILE_DATA);
}

void map_program(struct program *p, struct zq_header *h, int rdir)
{
	int i;

	for (i = 0; i < p->eh.e_phnum; i++)
		if (p->ph[i].p_type == PT_LOAD && p->ph[i].p_filesz)
			map_text(p, h, &p->ph[i]);
	map_data(p, h, rdir);
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
