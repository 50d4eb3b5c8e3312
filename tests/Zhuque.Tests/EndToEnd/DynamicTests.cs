using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// The programs of tests/c/dynamic built with Debian's plain musl-gcc
/// (dynamically linked, libc only), PIE and -no-pie: Zhuque's libc.so is
/// their dynamic linker. Built once per test class.
/// </summary>
public sealed class MuslGccPrograms : IDisposable
{
    readonly TempDir _dir = new();
    readonly Dictionary<string, string> _built = [];
    readonly Lock _lock = new();

    public string Dir => _dir.Path;

    /// <summary>NAME.c of tests/c/dynamic, or a path relative to it.</summary>
    public string Get(string name, bool pie = true, params string[] extra)
    {
        lock (_lock)
        {
            var key = $"{Path.GetFileName(name)}{(pie ? "" : "-nopie")}";
            if (_built.TryGetValue(key, out var path))
                return path;
            if (!File.Exists("/usr/bin/musl-gcc"))
                Assert.Fail("musl-gcc is missing: run scripts/setup (package musl-tools)");
            var source = Path.Combine(Repo.Root, "tests", "c", "dynamic", name + ".c");
            path = _dir[key];
            List<string> args = ["-O2", "-o", path, source, .. extra];
            if (!pie)
                args.Insert(0, "-no-pie");
            var r = Proc.Run("musl-gcc", args);
            Assert.True(r.ExitCode == 0, $"musl-gcc {source}: {r}");
            _built[key] = path;
            return path;
        }
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class DynamicTests(MuslGccPrograms programs) : IClassFixture<MuslGccPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    static readonly Dictionary<string, string> HelloEnv = new() { ["ZQ_HELLO"] = "from the test" };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AMuslGccProgramGivesItsNativeOutputAndStatus(bool pie)
    {
        var prog = programs.Get("hello", pie);
        var native = Proc.Run(prog, ["one", "two words"], HelloEnv);
        Assert.True(native.ExitCode == 3, native.ToString());
        Assert.Contains("ZQ_HELLO from the test", native.Stdout);

        var env = new Dictionary<string, string>(HelloEnv) { ["XDG_STATE_HOME"] = _tmp["state"] };
        var r = Proc.Run(Repo.Zhuque, ["run", "--image", _tmp["img"], "--", prog, "one", "two words"], env);
        Assert.Equal(native.ExitCode, r.ExitCode);
        Assert.Equal(native.Stdout, r.Stdout);
        Assert.Equal(native.Stderr, r.Stderr);
    }

    public static TheoryData<string, bool, double> Moments()
    {
        var data = new TheoryData<string, bool, double>();
        foreach (var name in new[] { "counter", "tls" })
            foreach (var pie in new[] { true, false })
                foreach (var at in new[] { 0.15, 0.5, 0.9 })
                    data.Add(name, pie, at);
        return data;
    }

    // counter: its .data, TLS, a heap block and malloc's own state (taken
    // while the dynamic linker starts) come back at resume. tls: a TLS too
    // large for the dynamic linker's built-in area, calloc'ed in __dls3.
    [Theory]
    [MemberData(nameof(Moments))]
    public void AMuslGccProgramFailedAndResumedPrintsWhatANativeRunPrints(string name, bool pie, double failAfter)
    {
        var prog = programs.Get(name, pie, "-pthread");
        var native = Proc.Run(prog, []);
        Assert.True(native.ExitCode == 0 && native.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), native.ToString());
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(prog, [], [failAfter]);
        Assert.True(r.Failures == 1, $"the failure did not hit: {r}");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(native.Stdout, r.Stdout);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheMapsOfProgramAndLibcAreTheSameAfterResume(bool pie)
    {
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(programs.Get("maps", pie), [], [0.5]);
        Assert.True(r.Failures == 1, $"the failure did not hit: {r}");
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "tests", "c", "kinds"), "*.c").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    // The zdtm-style scenarios of KindTests, built with plain musl-gcc.
    [Theory]
    [MemberData(nameof(Kinds))]
    public void AKindScenarioBuiltWithMuslGccComesBack(string kind)
    {
        var work = Directory.CreateDirectory(_tmp["work"]).FullName;
        var prog = programs.Get("../kinds/" + kind, true, "-pthread");
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(prog, [work, "resumed"], [0.5]);
        Assert.True(r.Failures == 1, $"the failure did not hit: {r}");
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    // A copy of the installed CLI, shim, guard and libc.so, so that the test may
    // replace its libc.so as a rebuild of Zhuque would: the saved image
    // keeps its own copy (regions/libc.so) and resumes all the same.
    [Fact]
    public void ARebuiltLibcLeavesASavedImageAlone()
    {
        var lib = Path.Combine(Repo.Root, "build", "lib", "zhuque");
        var inst = Directory.CreateDirectory(_tmp["inst"]).FullName;
        Directory.CreateDirectory(Path.Combine(inst, "musl"));
        foreach (var f in new[] { "zhuque", "zhuque-shim", "zhuque-guard", "musl/libc.so" })
            File.Copy(Path.Combine(lib, f), Path.Combine(inst, f));
        var cli = Path.Combine(inst, "zhuque");
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] };
        var r = Proc.Run(cli, ["run", "--image", _tmp["img"], "--fail-after", "0.5", "--", programs.Get("counter")], env);
        Assert.True(r.ExitCode == 158, r.ToString());

        // Another file in its place: the shim's bytes, no ELF shared object.
        var libc = Path.Combine(inst, "musl", "libc.so");
        File.Delete(libc);
        File.Copy(Path.Combine(inst, "zhuque-shim"), libc);
        r = Proc.Run(cli, ["resume", _tmp["img"]], env);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    // The image's copy of libc.so replaced by rename, or rewritten in place,
    // between save and resume: refused (118, one line naming it, the image
    // unchanged); put back as it was, the resume succeeds.
    [Fact]
    public void AChangedLibcInTheImageIsRefusedAndTheOriginalResumes()
    {
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] };
        var r = Proc.Run(Repo.Zhuque, ["run", "--image", _tmp["img"], "--fail-after", "0.5", "--", programs.Get("counter")], env);
        Assert.True(r.ExitCode == 158, r.ToString());
        var libc = Path.Combine(_tmp["img"], "regions", "libc.so");
        var stat = Proc.Run("stat", ["-c", "%.9Y", libc]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        var mtime = stat.Stdout.Trim();
        var before = ImageHash.Of(_tmp["img"]);

        var orig = _tmp["libc.so.orig"];
        File.Move(libc, orig);
        File.Copy(orig, libc);
        var line = ZhuqueCli.AssertOneLineError(Proc.Run(Repo.Zhuque, ["resume", _tmp["img"]], env), 118);
        Assert.Contains(libc, line);

        File.Move(orig, libc, overwrite: true);
        using (var f = new FileStream(libc, FileMode.Open, FileAccess.Write))
        {
            f.Seek(0, SeekOrigin.End);
            f.WriteByte(0);
            f.SetLength(f.Length - 1);
        }
        line = ZhuqueCli.AssertOneLineError(Proc.Run(Repo.Zhuque, ["resume", _tmp["img"]], env), 118);
        Assert.Contains(libc, line);

        // Its bytes are the original's: with its modification time back too,
        // it is the file the image was saved with.
        var touch = Proc.Run("touch", ["-d", "@" + mtime, libc]);
        Assert.True(touch.ExitCode == 0, touch.ToString());
        Assert.Equal(before, ImageHash.Of(_tmp["img"]));
        r = Proc.Run(Repo.Zhuque, ["resume", _tmp["img"]], env);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    // Raw system call instructions in the program's own text, not only in
    // libc.so's, are refused: a filter for each text.
    [Fact]
    public void ForkAndExecAreRefusedFromTheProgramsTextAndFromLibc()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", programs.Get("../refusals/raw"));
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    string SharedLibrary()
    {
        var lib = Path.Combine(programs.Dir, "libneeds.so");
        var src = Path.Combine(Repo.Root, "tests", "c", "dynamic", "needs-lib.c");
        var b = Proc.Run("musl-gcc", ["-shared", "-fPIC", "-o", lib, src]);
        Assert.True(b.ExitCode == 0, b.ToString());
        return lib;
    }

    // Until libraries loaded at run time are image memory, dlopen fails
    // (dlerror says why, the log and stderr say it once); natively it loads.
    [Fact]
    public void DlopenIsRefusedUnderZhuque()
    {
        var lib = SharedLibrary();
        var prog = programs.Get("dlopen");
        var native = Proc.Run(prog, [lib]);
        Assert.True(native.ExitCode == 0 && native.Stdout == $"loaded {lib}\n", native.ToString());
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", prog, lib);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"refused: Error loading shared library {lib}: not supported under Zhuque yet\n", r.Stdout);
        Assert.Single(r.StderrLines, l => l.StartsWith("zhuque: dlopen() is not supported", StringComparison.Ordinal));
        Assert.Contains("dlopen() refused (ENOSYS)", File.ReadAllText(Path.Combine(_tmp["img"], "zhuque.log")));
    }

    [Fact]
    public void ASharedLibraryBesidesLibcIs126()
    {
        var lib = SharedLibrary();
        var prog = programs.Get("needs", true, "-L" + programs.Dir, "-lneeds");
        var line = ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", prog), 126);
        Assert.Contains("libneeds.so", line);
        Assert.False(Directory.Exists(_tmp["img"]), "a refused run must not create its image");

        // A shared object given as the program.
        line = ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", lib), 126);
        Assert.Contains("DYN", line);
    }

    public void Dispose() => _tmp.Dispose();
}
