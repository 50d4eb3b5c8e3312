# Builds everything under build/: Debian's musl 1.2.3 twice (as shipped,
# the native reference; and with Zhuque's patch and runtime), the shim,
# the zhuque CLI, and the compiler wrappers in build/bin.
TOP     := $(abspath .)
B       := $(TOP)/build
MUSL    := $(B)/src/musl-1.2.3
JOBS    ?= $(shell nproc)
RUNTIME := $(wildcard native/runtime/*.c native/runtime/*.h native/runtime/x86_64/*.s native/include/zhuque/*.h)
SHIM    := $(wildcard native/shim/*.c native/shim/*.h native/shim/*.s native/include/zhuque/*.h)
# Sources only: obj/ holds files the build itself writes, which would make
# the CLI look stale after every dotnet build or test.
DOTNET  := $(shell find src \( -name obj -o -name bin \) -prune -o \( -name '*.cs' -o -name '*.csproj' \) -print) Directory.Build.props

.PHONY: all setup musl shim guard cli test demo bench clean
all: musl shim cli $(B)/bin/zhuque-cc $(B)/bin/musl-native-cc

setup: $(B)/.setup
$(B)/.setup: scripts/setup
	scripts/setup
	touch $@

# Unpatched musl: what "native" means in benchmarks and comparisons.
$(B)/musl-native/lib/libc.a: $(B)/.setup
	mkdir -p $(B)/obj/musl-native
	cd $(B)/obj/musl-native && $(MUSL)/configure --prefix=$(B)/musl-native \
		--disable-shared >/dev/null
	@echo "build: musl (native reference)" >&2
	$(MAKE) -s -C $(B)/obj/musl-native -j$(JOBS) install >/dev/null
	touch $@

# Patched musl: a copy of the source with the hooks applied and the
# runtime linked in as src/zhuque (musl's Makefile globs src/*/).
$(B)/obj/musl-zhuque-src/.patched: $(B)/.setup native/musl/zhuque.patch
	rm -rf $(B)/obj/musl-zhuque-src
	mkdir -p $(B)/obj
	cp -a $(MUSL) $(B)/obj/musl-zhuque-src
	cd $(B)/obj/musl-zhuque-src && patch -s -p1 < $(TOP)/native/musl/zhuque.patch
	ln -s $(TOP)/native/runtime $(B)/obj/musl-zhuque-src/src/zhuque
	rm -rf $(B)/obj/musl-zhuque
	touch $@

# Static libc.a for zhuque-cc, and libc.so: the dynamic linker of plain
# musl-gcc programs, its syslibdir under build/ so that nothing goes to /lib.
$(B)/musl/lib/libc.a $(B)/musl/lib/libc.so &: $(B)/obj/musl-zhuque-src/.patched $(RUNTIME)
	mkdir -p $(B)/obj/musl-zhuque
	grep -qs '^syslibdir = $(B)/musl/lib$$' $(B)/obj/musl-zhuque/config.mak || (cd $(B)/obj/musl-zhuque && \
		$(B)/obj/musl-zhuque-src/configure --prefix=$(B)/musl \
		--syslibdir=$(B)/musl/lib CFLAGS="-I$(TOP)/native/include" >/dev/null)
	rm -rf $(B)/obj/musl-zhuque/obj/src/zhuque
	@echo "build: musl with the Zhuque runtime" >&2
	$(MAKE) -s -C $(B)/obj/musl-zhuque -j$(JOBS) install >/dev/null
	touch $@

musl: $(B)/musl/lib/libc.a $(B)/musl/lib/libc.so $(B)/musl-native/lib/libc.a

# A freestanding static program linked at ZQ_SHIM_BASE (8 TiB).
SHIM_CFLAGS := -O2 -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fno-builtin -fPIE -fno-asynchronous-unwind-tables -Inative/include
$(B)/bin/zhuque-shim: $(SHIM)
	@echo "build: zhuque-shim" >&2
	mkdir -p $(B)/bin
	gcc $(SHIM_CFLAGS) -static -nostdlib -no-pie -Wl,-Ttext-segment=0x80000000000 \
		-Wl,--build-id=none -Wl,--no-relax native/shim/*.c native/shim/*.s -o $@
shim: $(B)/bin/zhuque-shim

# The guard (native/guard): an ordinary static program linked with
# Zhuque's libc.a, whose runtime stays dormant in it (no AT_ZHUQUE); the
# guard calls the runtime's descriptor save on the dead program's
# descriptors. Rebuilt with libc.a, whose runtime it carries.
GUARD := $(wildcard native/guard/*.c native/guard/*.h native/include/zhuque/*.h)
$(B)/bin/zhuque-guard: $(GUARD) $(B)/musl/lib/libc.a $(B)/bin/zhuque-cc
	@echo "build: zhuque-guard" >&2
	$(B)/bin/zhuque-cc -O2 -Wall -Wextra -Werror -Inative/include native/guard/*.c -o $@
guard: $(B)/bin/zhuque-guard

$(B)/lib/zhuque/zhuque: $(DOTNET) $(B)/bin/zhuque-shim $(B)/bin/zhuque-guard $(B)/musl/lib/libc.so
	@echo "build: zhuque CLI" >&2
	dotnet publish src/Launcher/Launcher.csproj -c Release -p:PublishAot=true -o $(B)/lib/zhuque --nologo -v quiet
	# A rename, not a copy over it: a running shim keeps its old file.
	cp $(B)/bin/zhuque-shim $(B)/lib/zhuque/zhuque-shim.new
	mv -f $(B)/lib/zhuque/zhuque-shim.new $(B)/lib/zhuque/zhuque-shim
	cp $(B)/bin/zhuque-guard $(B)/lib/zhuque/zhuque-guard.new
	mv -f $(B)/lib/zhuque/zhuque-guard.new $(B)/lib/zhuque/zhuque-guard
	# The dynamic linker of musl-gcc programs, which the shim finds in
	# musl/ beside it; not beside the CLI, whose P/Invoke of "libc" would
	# load it. Replaced only when it changed: a saved image names it by
	# inode and mtime, and a resume refuses another file.
	mkdir -p $(B)/lib/zhuque/musl
	cmp -s $(B)/musl/lib/libc.so $(B)/lib/zhuque/musl/libc.so || { \
		cp $(B)/musl/lib/libc.so $(B)/lib/zhuque/musl/libc.so.new && \
		mv -f $(B)/lib/zhuque/musl/libc.so.new $(B)/lib/zhuque/musl/libc.so; }
	touch $@
$(B)/bin/zhuque: $(B)/lib/zhuque/zhuque
	ln -sf ../lib/zhuque/zhuque $@
cli: $(B)/bin/zhuque

# Compiler wrappers in the manner of musl-gcc: static, non-PIE.
$(B)/bin/zhuque-cc: $(B)/musl/lib/libc.a scripts/cc-wrapper.in
	sed 's|@PREFIX@|$(B)/musl|' scripts/cc-wrapper.in > $@ && chmod +x $@
$(B)/bin/musl-native-cc: $(B)/musl-native/lib/libc.a scripts/cc-wrapper.in
	sed 's|@PREFIX@|$(B)/musl-native|' scripts/cc-wrapper.in > $@ && chmod +x $@

test: all
	scripts/test

demo: all
	scripts/demo

bench: all
	scripts/bench-syscalls

clean:
	rm -rf $(B)/obj $(B)/bin $(B)/lib $(B)/musl $(B)/musl-native
