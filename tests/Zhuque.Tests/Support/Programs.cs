namespace Zhuque.Tests.Support;

/// <summary>
/// Test programs compiled once per test run: a static non-PIE executable
/// built with zhuque-cc (what zhuque runs), the same against glibc (which
/// zhuque refuses), and a relocatable object.
/// </summary>
public sealed class Programs : IDisposable
{
    // exit status = argv[2] (default 7); "segv" crashes, "kill9" kills itself,
    // "pause" prints "ready" and waits for a signal,
    // "args FILE" writes its argv to FILE, "signals" returns 0 only if
    // SIGPIPE has its default action and no signal is blocked.
    const string Source = """
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        int main(int argc, char **argv)
        {
            const char *what = argc > 1 ? argv[1] : "";
            if (!strcmp(what, "segv"))
                *(volatile int *)0 = 1;
            if (!strcmp(what, "kill9"))
                raise(SIGKILL);
            if (!strcmp(what, "pause")) {
                printf("ready\n");
                fflush(stdout);
                pause();
            }
            if (!strcmp(what, "args")) {
                FILE *f = fopen(argv[2], "w");
                for (int i = 0; i < argc; i++)
                    fprintf(f, "%s\n", argv[i]);
                return fclose(f) != 0;
            }
            if (!strcmp(what, "signals")) {
                struct sigaction sa;
                sigset_t mask;
                sigaction(SIGPIPE, 0, &sa);
                sigprocmask(SIG_SETMASK, 0, &mask);
                for (int s = 1; s < 32; s++)
                    if (sigismember(&mask, s))
                        return 2;
                return sa.sa_handler == SIG_DFL ? 0 : 1;
            }
            return argc > 2 ? atoi(argv[2]) : 7;
        }
        """;

    readonly TempDir _dir = new();

    public Programs()
    {
        File.WriteAllText(_dir["prog.c"], Source);
        var zhuqueCc = Path.Combine(Repo.Root, "build", "bin", "zhuque-cc");
        if (!File.Exists(zhuqueCc))
            Assert.Fail($"{zhuqueCc} is missing: build the native side first (make)");
        Proc.Check(zhuqueCc, "-O1", "-o", _dir["static-prog"], _dir["prog.c"]);
        Proc.Check("gcc", "-static", "-O1", "-o", _dir["glibc-static-prog"], _dir["prog.c"]);
        Proc.Check("gcc", "-c", "-o", _dir["prog.o"], _dir["prog.c"]);
    }

    /// <summary>Built with zhuque-cc: static, non-PIE, with the Zhuque runtime.</summary>
    public string Static => _dir["static-prog"];

    /// <summary>Static too, but against glibc: no Zhuque runtime in it.</summary>
    public string GlibcStatic => _dir["glibc-static-prog"];

    public string Object => _dir["prog.o"];

    public void Dispose() => _dir.Dispose();
}
