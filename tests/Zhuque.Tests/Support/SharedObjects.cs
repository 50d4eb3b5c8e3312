namespace Zhuque.Tests.Support;

/// <summary>
/// ET_DYN files built once per test run: a small shared library (gcc
/// -shared), a glibc PIE linked against it, and a PIE and a -no-pie program
/// built with plain musl-gcc (dynamically linked, as issue 12's programs
/// are). The glibc PIE finds the library by its rpath. Addresses in all of them but the -no-pie one are relative to a load bias.
/// </summary>
public sealed class SharedObjects : IDisposable
{
    // helper is static (a local symbol), answer and use global; counter is .bss.
    const string LibrarySource = """
        int counter;
        int answer(void) { return 42; }
        __attribute__((noinline)) static int helper(int x) { return x * 3 + counter; }
        int use(int x) { return helper(x) + answer(); }
        """;

    // "addresses": prints where answer (in the library) and main run, then waits for stdin's end.
    const string MainSource = """
        #include <stdio.h>
        #include <string.h>
        extern int answer(void);
        extern int use(int);
        int main(int argc, char **argv)
        {
            if (argc > 1 && !strcmp(argv[1], "addresses")) {
                printf("%p %p\n", (void *)answer, (void *)main);
                fflush(stdout);
                while (getchar() != EOF)
                    ;
                return 0;
            }
            return use(argc);
        }
        """;

    readonly TempDir _dir = new();

    public SharedObjects()
    {
        File.WriteAllText(_dir["lib.c"], LibrarySource);
        File.WriteAllText(_dir["main.c"], MainSource);
        Proc.Check("gcc", "-shared", "-fPIC", "-O1", "-g", "-o", _dir["libzqt.so"], _dir["lib.c"]);
        Proc.Check("gcc", "-O1", "-fPIE", "-pie", "-o", _dir["pie"], _dir["main.c"], "-L" + _dir.Path, "-lzqt", "-Wl,-rpath," + _dir.Path);
        Proc.Check("musl-gcc", "-O1", "-fPIE", "-pie", "-o", _dir["musl-pie"], _dir["main.c"], _dir["lib.c"]);
        Proc.Check("musl-gcc", "-O1", "-no-pie", "-o", _dir["musl-no-pie"], _dir["main.c"], _dir["lib.c"]);
    }

    public string Library => _dir["libzqt.so"];

    public string Pie => _dir["pie"];

    public string MuslPie => _dir["musl-pie"];

    public string MuslNoPie => _dir["musl-no-pie"];

    /// <summary>Debian's glibc, stripped: only .dynsym is left.</summary>
    public const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";

    /// <summary>A scratch path in this fixture's directory.</summary>
    public string this[string name] => _dir[name];

    public void Dispose() => _dir.Dispose();
}
