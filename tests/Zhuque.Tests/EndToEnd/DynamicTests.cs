using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// The programs of tests/c/dynamic built with Debian's plain musl-gcc
/// (dynamically linked), PIE and -no-pie: Zhuque's libc.so is
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

    public static TheoryData<double[]> DlopenMoments() =>
        [[0.15], [0.5], [0.9], [0.05 + Random.Shared.NextDouble() * 0.6, Random.Shared.NextDouble() * 0.3]];

    // A library loaded by dlopen: its data, its dynamic TLS (malloc'ed by
    // musl, for a thread that existed before the dlopen too) and the
    // functions dlsym found are used across failures.
    [Theory]
    [MemberData(nameof(DlopenMoments))]
    public void ALibraryLoadedByDlopenKeepsItsStateAcrossFailures(double[] failures)
    {
        LinkedProgram(true);
        var lib = Path.Combine(programs.Dir, "libstate.so");
        var prog = programs.Get("dlopen", true, "-pthread");
        var native = Proc.Run(prog, [lib]);
        Assert.True(native.ExitCode == 0 && native.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), native.ToString());
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(prog, [lib], failures);
        Assert.True(r.Failures == failures.Length, $"not every failure hit: {r}");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(native.Stdout, r.Stdout);
    }

    [Fact]
    public void ASharedObjectGivenAsTheProgramIs126()
    {
        var line = ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", SharedLibrary()), 126);
        Assert.Contains("DYN", line);
        Assert.False(Directory.Exists(_tmp["img"]), "a refused run must not create its image");
    }

    /// <summary>libstate.so in the programs' directory, and libs.c linked
    /// against it, found by an rpath ($ORIGIN, which names the program, not
    /// the shim) or, with rpath false, only by LD_LIBRARY_PATH.</summary>
    string LinkedProgram(bool pie, bool rpath = true)
    {
        var lib = Path.Combine(programs.Dir, "libstate.so");
        lock (programs)
            if (!File.Exists(lib))
            {
                var b = Proc.Run("musl-gcc", ["-shared", "-fPIC", "-O2", "-o", lib + ".new",
                    Path.Combine(Repo.Root, "tests", "c", "dynamic", "libstate.c")]);
                Assert.True(b.ExitCode == 0, b.ToString());
                File.Move(lib + ".new", lib);
            }
        if (rpath)
            return programs.Get("libs", pie, "-pthread", "-L" + programs.Dir, "-lstate", "-Wl,-rpath,$ORIGIN");
        var prog = Path.Combine(programs.Dir, "libs-norpath");
        var r = Proc.Run("musl-gcc", ["-O2", "-pthread", "-o", prog, Path.Combine(Repo.Root, "tests", "c", "dynamic", "libs.c"),
            "-L" + programs.Dir, "-lstate"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return prog;
    }

    public static TheoryData<bool, double[]> LibraryMoments()
    {
        var data = new TheoryData<bool, double[]>();
        foreach (var pie in new[] { true, false })
        {
            foreach (var at in new[] { 0.15, 0.5, 0.9 })
                data.Add(pie, [at]);
            // Random moments, all well before the program's ~1.3 s end.
            data.Add(pie, [0.05 + Random.Shared.NextDouble() * 0.6, Random.Shared.NextDouble() * 0.3, Random.Shared.NextDouble() * 0.2]);
        }
        return data;
    }

    // State in the program's .data, in a library's .data, .bss and TLS (two
    // threads), and in heap blocks in the gaps ldso donates to malloc; the
    // library's maps (RELRO read-only) read the same after the failures.
    [Theory]
    [MemberData(nameof(LibraryMoments))]
    public void ALibraryTheProgramNeedsKeepsItsStateAcrossFailures(bool pie, double[] failures)
    {
        var prog = LinkedProgram(pie);
        var native = Proc.Run(prog, []);
        Assert.True(native.ExitCode == 0 && native.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), native.ToString());
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(prog, [], failures);
        Assert.True(r.Failures == failures.Length, $"not every failure hit: {r}");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(native.Stdout, r.Stdout);
    }

    // The image on a disk filesystem (ext4 files end at 16 TiB): the
    // library's data lies in regions/fixed at its address, which Zhuque
    // chose low (ZQ_FILES_BASE) rather than the kernel's 128 TiB.
    [Fact]
    public void ALibraryIsFoundByLdLibraryPathAndItsImageMayLieOnDisk()
    {
        var prog = LinkedProgram(true, rpath: false);
        var env = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = programs.Dir };
        var native = Proc.Run(prog, [], env);
        Assert.True(native.ExitCode == 0 && native.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), native.ToString());
        using var disk = new TempDir(Path.GetTempPath());
        env["XDG_STATE_HOME"] = disk["state"];
        var r = Proc.Run(Repo.Zhuque, ["run", "--image", disk["img"], "--fail-after", "0.5", "--", prog], env);
        Assert.True(r.ExitCode == 158, r.ToString());
        var resumed = Proc.Run(Repo.Zhuque, ["resume", disk["img"]], env);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(native.Stdout, resumed.Stdout);
    }

    // A library replaced between save and resume, by rename (a new inode)
    // or rewritten in place with its size and modification time put back
    // (only the content hash tells): refused, 118, one line naming it, the
    // image byte for byte as it was; put back, the resume succeeds.
    [Fact]
    public void AChangedLibraryIsRefusedAndTheOriginalResumes()
    {
        LinkedProgram(true);
        var dir = Directory.CreateDirectory(_tmp["libdir"]).FullName;
        var prog = Path.Combine(dir, "libs");
        var lib = Path.Combine(dir, "libstate.so");
        File.Copy(programs.Get("libs", true), prog);
        File.SetUnixFileMode(prog, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Copy(Path.Combine(programs.Dir, "libstate.so"), lib);
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] };
        var r = Proc.Run(Repo.Zhuque, ["run", "--image", _tmp["img"], "--fail-after", "0.5", "--", prog], env);
        Assert.True(r.ExitCode == 158, r.ToString());
        var stat = Proc.Run("stat", ["-c", "%.9Y", lib]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        var mtime = stat.Stdout.Trim();
        var before = ImageHash.Of(_tmp["img"]);

        var orig = _tmp["libstate.so.orig"];
        File.Move(lib, orig);
        File.Copy(orig, lib);
        var line = ZhuqueCli.AssertOneLineError(Proc.Run(Repo.Zhuque, ["resume", _tmp["img"]], env), 118);
        Assert.Contains(lib, line);
        File.Move(orig, lib, overwrite: true);

        // One byte of its text changed in place; size and mtime as they were.
        var bytes = File.ReadAllBytes(lib);
        var at = bytes.Length / 2;
        using (var f = new FileStream(lib, FileMode.Open, FileAccess.Write))
        {
            f.Seek(at, SeekOrigin.Begin);
            f.WriteByte((byte)(bytes[at] ^ 0x5a));
        }
        Assert.True(Proc.Run("touch", ["-d", "@" + mtime, lib]).ExitCode == 0);
        line = ZhuqueCli.AssertOneLineError(Proc.Run(Repo.Zhuque, ["resume", _tmp["img"]], env), 118);
        Assert.Contains(lib, line);
        Assert.Equal(before, ImageHash.Of(_tmp["img"]));

        using (var f = new FileStream(lib, FileMode.Open, FileAccess.Write))
        {
            f.Seek(at, SeekOrigin.Begin);
            f.WriteByte(bytes[at]);
        }
        Assert.True(Proc.Run("touch", ["-d", "@" + mtime, lib]).ExitCode == 0);
        r = Proc.Run(Repo.Zhuque, ["resume", _tmp["img"]], env);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    // The threads sleep in libc.so: inspect names where by libc.so's own
    // symbols, at the base the header records (interp_base), and the
    // backtrace crosses libc.so's functions.
    [Fact]
    public void InspectNamesTheFunctionOfLibcWhereAThreadWas()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--fail-after", "0.5", "--", LinkedProgram(true));
        Assert.True(r.ExitCode == 158, r.ToString());
        var json = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", _tmp["img"]);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var threads = doc.RootElement.GetProperty("threads").EnumerateArray().ToList();
        Assert.Equal(2, threads.Count);
        foreach (var t in threads)
        {
            var frames = t.GetProperty("backtrace").EnumerateArray().Select(f => f.GetProperty("function").GetString() ?? "").ToList();
            Assert.True(frames[0].EndsWith(" in libc.so", StringComparison.Ordinal), json.Stdout);
            // The unwinder walks libc.so's code too, up to the call.
            Assert.True(frames.Any(f => f.StartsWith("nanosleep+", StringComparison.Ordinal)), json.Stdout);
        }
    }

    public void Dispose() => _tmp.Dispose();
}
