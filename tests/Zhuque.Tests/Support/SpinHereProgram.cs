namespace Zhuque.Tests.Support;

/// <summary>
/// A program built by zhuque-cc with -g whose main thread loops in
/// spin_here (noinline, on a volatile) after printing "spinning": what a
/// failure saved at any moment finds in that function. Line numbers of the
/// loop: SpinLoopFirstLine..SpinLoopLastLine.
/// </summary>
public sealed class SpinHereProgram : IDisposable
{
    public const string Source = """
        #include <stdio.h>
        static volatile unsigned long counter;
        __attribute__((noinline)) void spin_here(void)
        {
            for (;;) {
                counter++;
            }
        }
        __attribute__((noinline)) void called_from_main(void)
        {
            spin_here();
            puts("never");
        }
        int main(void)
        {
            puts("spinning");
            fflush(stdout);
            called_from_main();
            return 0;
        }
        """;

    public const int SpinLoopFirstLine = 5;
    public const int SpinLoopLastLine = 7;

    readonly TempDir _dir = new();

    public SpinHereProgram()
    {
        var cc = System.IO.Path.Combine(Repo.Root, "build", "bin", "zhuque-cc");
        if (!File.Exists(cc))
            Assert.Fail($"{cc} is missing: build the native side first (make)");
        File.WriteAllText(_dir["spin_here.c"], Source);
        Proc.Check(cc, "-g", "-O1", "-fno-omit-frame-pointer", "-o", _dir["spin_here"], _dir["spin_here.c"]);
        File.WriteAllText(_dir["other.c"], "int main(void) { return 3; }\n");
        Proc.Check(cc, "-O1", "-o", _dir["other"], _dir["other.c"]);
    }

    public string Path => _dir["spin_here"];

    public string SourcePath => _dir["spin_here.c"];

    /// <summary>Another program built with zhuque-cc: exits 3.</summary>
    public string Other => _dir["other"];

    public void Dispose() => _dir.Dispose();
}
