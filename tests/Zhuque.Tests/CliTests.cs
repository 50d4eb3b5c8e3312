using System.Text.Json;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// build/bin/zhuque as a user meets it: every bad input gives one line on
/// stderr, its own exit code, and deletes nothing. None of these needs the
/// native shim: each is refused before the program would start.
/// </summary>
public sealed class CliTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    string State => _tmp["state"];

    ProcResult Zhuque(params string[] args) => ZhuqueCli.Run(State, args);

    /// <summary>A directory that passes the security checks: 0700, ours.</summary>
    string PrivateDir(string name)
    {
        var path = _tmp[name];
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("run", "--bogus", "x")]
    [InlineData("inspect", "--bogus", "x")]
    [InlineData("frobnicate")]
    [InlineData("run")]
    [InlineData("inspect")]
    [InlineData("list", "extra")]
    [InlineData()]
    public void UsageErrorsAreOneLineAnd125(params string[] args)
    {
        var r = Zhuque(args);
        ZhuqueCli.AssertOneLineError(r, 125);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("run", "--cgroup", "/nonexistent/cg", "--", "/bin/true")]
    [InlineData("run", "--cgroup", "/proc", "--", "/bin/true")]
    [InlineData("resume", "--cgroup", "/nonexistent/cg", "x")]
    public void ACgroupThatIsNotOneIs125(params string[] args)
    {
        var r = Zhuque(args);
        ZhuqueCli.AssertOneLineError(r, 125);
        Assert.Contains("not a cgroup directory", r.Stderr);
    }

    [Fact]
    public void UnknownOptionIsNamed()
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--bogus", "x"), 125);
        Assert.Contains("--bogus", line);
    }

    [Fact]
    public void HelpGoesToStdoutWithStatus0()
    {
        var r = Zhuque("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("run", r.Stdout);
        Assert.Contains("inspect", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void OutputToAFileAdvancesItsOffset()
    {
        // A shell's `{ zhuque ...; echo after; } > f` must keep both outputs.
        var file = _tmp["out.txt"];
        var r = Proc.Run("sh", ["-c", $"{{ '{Repo.Zhuque}' --version; echo after; }} > '{file}'"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = File.ReadAllLines(file);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("zhuque ", lines[0]);
        Assert.Equal("after", lines[1]);
    }

    [Fact]
    public void TheTerminalIsLeftAlone()
    {
        // On a terminal, .NET's console would switch it to keypad transmit mode (ESC [?1h ESC =).
        var r = Proc.Run("script", ["-qec", $"'{Repo.Zhuque}' --bogus; '{Repo.Zhuque}' --help", "/dev/null"],
            new Dictionary<string, string> { ["TERM"] = "xterm" });
        Assert.Contains("unknown option", r.Stdout);
        Assert.DoesNotContain("\u001b", r.Stdout);
    }

    [Fact]
    public void MissingProgramIs127()
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", "no-such-program-zq"), 127);
        Assert.Equal("zhuque: no-such-program-zq: program not found", line);
        line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "./no/such/path"), 127);
        Assert.Contains("program not found", line);
        Assert.False(Directory.Exists(_tmp["img"]), "a refused run must not create its image");
    }

    [Fact]
    public void ExecutableTextFileIs126()
    {
        var script = _tmp["script.sh"];
        File.WriteAllText(script, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", script), 126);
        Assert.Contains("not an ELF file", line);
    }

    [Fact]
    public void NonExecutableFileIs126()
    {
        var text = _tmp["notes.txt"];
        File.WriteAllText(text, "hello\n");
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", text), 126);
        Assert.Contains("permission denied", line);
    }

    [Fact]
    public void DirectoryAsProgramIs126() =>
        ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", _tmp.Path), 126);

    [Fact]
    public void GlibcDynamicProgramIs126()
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", "/bin/ls"), 126);
        Assert.Contains("not a musl program", line);
        Assert.Contains("ld-linux-x86-64.so.2", line);
        // Found in PATH the same way.
        line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "ls", "-l"), 126);
        Assert.Contains("not a musl program", line);
    }

    [Fact]
    public void AProgramWithoutTheZhuqueRuntimeIs126()
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", programs.GlibcStatic), 126);
        Assert.Contains("not built with zhuque-cc", line);
    }

    [Fact]
    public void AProgramBuiltForAnotherImageLayoutIs126()
    {
        // The same program, its runtime's marker renamed to another ABI.
        var other = _tmp["other-abi"];
        var abi = global::Zhuque.Interpose.Image.Layout.AbiVersion;
        var r = Proc.Run("objcopy", ["--rename-section", $".zhuque_abi_{abi}=.zhuque_abi_1", programs.Static, other]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", other), 126);
        Assert.Contains("ABI 1", line);
    }

    [Fact]
    public void RelocatableObjectIs126()
    {
        var obj = _tmp["prog.o"];
        File.Copy(programs.Object, obj);
        File.SetUnixFileMode(obj, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["img"], "--", obj), 126);
        Assert.Contains("REL", line);
    }

    [Fact]
    public void ImageOwnedByAnotherUserIs120()
    {
        Assert.True(Libc.GetEUid() == 0, "this test chowns a directory to nobody and must run as root");
        var img = PrivateDir("img");
        File.WriteAllText(Path.Combine(img, "manifest.json"), "{}");
        Assert.Equal(0, Proc.Run("chown", ["-R", "nobody", img]).ExitCode);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", img, "--", programs.Static), 120);
        Assert.Contains("owned by uid 65534", line);
        ZhuqueCli.AssertOneLineError(Zhuque("inspect", img), 120);
        Assert.True(File.Exists(Path.Combine(img, "manifest.json")));
    }

    [Fact]
    public void GroupWritableImageIs120()
    {
        var img = PrivateDir("img");
        File.SetUnixFileMode(img, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", img, "--", programs.Static), 120);
        Assert.Contains("writable", line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(img));
    }

    [Fact]
    public void SymlinkedImageIs120()
    {
        var real = PrivateDir("real");
        File.CreateSymbolicLink(_tmp["link"], real);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["link"], "--", programs.Static), 120);
        Assert.Contains("symbolic link", line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(real));
    }

    [Fact]
    public void ImageThatIsAFileIs120()
    {
        File.WriteAllText(_tmp["file"], "data");
        ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["file"], "--", programs.Static), 120);
        Assert.Equal("data", File.ReadAllText(_tmp["file"]));
    }

    [Fact]
    public void NonEmptyDirectoryThatIsNoImageIs119AndKeepsItsFiles()
    {
        var img = PrivateDir("mine");
        File.WriteAllText(Path.Combine(img, "thesis.tex"), "precious");
        Directory.CreateDirectory(Path.Combine(img, "regions"));
        File.WriteAllText(Path.Combine(img, "regions", "notes"), "also precious");
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--fresh", "--image", img, "--", programs.Static), 119);
        Assert.Contains("not a Zhuque image", line);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(img, "thesis.tex")));
        Assert.Equal("also precious", File.ReadAllText(Path.Combine(img, "regions", "notes")));
        Assert.Equal(3, Directory.EnumerateFileSystemEntries(img, "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public void ImageInUseIs121()
    {
        var img = PrivateDir("img");
        ContextBuilder.WriteTypical(Path.Combine(img, "context"), ZqState.Running, pid: 4242);
        using (new Flock(Path.Combine(img, "lock")))
        {
            // 4242 holds nothing: the pid named is the lock's holder, this test process.
            var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--fresh", "--image", img, "--", programs.Static), 121);
            Assert.Equal($"zhuque: image {img} is in use by a running process (pid {Environment.ProcessId})", line);
        }
        Assert.True(File.Exists(Path.Combine(img, "context")));
    }

    [Theory]
    [InlineData(ZqState.Saved, "saved")]
    [InlineData(ZqState.Lost, "lost")]
    [InlineData(ZqState.Faulted, "faulted")]
    [InlineData(ZqState.Running, "running")]
    public void ImageHoldingARunNeedsFresh123(ZqState state, string name)
    {
        var img = PrivateDir("img");
        var context = Path.Combine(img, "context");
        ContextBuilder.WriteTypical(context, state, pid: 77);
        Directory.CreateDirectory(Path.Combine(img, "regions"));
        File.WriteAllText(Path.Combine(img, "regions", "data"), "memory");
        var before = File.ReadAllBytes(context).AsSpan(0, 4096).ToArray();
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", img, "--", programs.Static), 123);
        Assert.Contains($"state {name}", line);
        Assert.Contains("--fresh", line);
        Assert.Contains("zhuque rm", line);
        Assert.Equal(before, File.ReadAllBytes(context).AsSpan(0, 4096).ToArray());
        Assert.Equal("memory", File.ReadAllText(Path.Combine(img, "regions", "data")));
    }

    [Fact]
    public void RunOnCorruptContextIs122AndDeletesNothing()
    {
        var img = PrivateDir("img");
        File.WriteAllText(Path.Combine(img, "context"), "short");
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", img, "--", programs.Static), 122);
        Assert.Contains("truncated", line);
        Assert.Equal("short", File.ReadAllText(Path.Combine(img, "context")));
    }

    [Fact]
    public void InspectOnFlippedMagicIs122AndPrintsNothing()
    {
        var img = PrivateDir("img");
        var context = Path.Combine(img, "context");
        ContextBuilder.WriteTypical(context, ZqState.Saved);
        using (var f = File.OpenHandle(context, FileMode.Open, FileAccess.ReadWrite))
        {
            var b = new byte[1];
            RandomAccess.Read(f, b, 0);
            b[0] ^= 0xff;
            RandomAccess.Write(f, b, 0);
        }
        var r = Zhuque("inspect", img);
        var line = ZhuqueCli.AssertOneLineError(r, 122);
        Assert.Contains("bad magic", line);
        Assert.Equal("", r.Stdout);
        ZhuqueCli.AssertOneLineError(Zhuque("inspect", "--json", img), 122);
    }

    [Fact]
    public void InspectOnWrongAbiOrTruncatedTableIs122()
    {
        var img = PrivateDir("img");
        var context = Path.Combine(img, "context");
        ZqRegion[] regions = [ContextBuilder.Region(0x400000, 0x401000, ZqFile.Program, 5)];
        var header = ContextBuilder.Header(ZqState.Saved, 0, regions);
        ContextBuilder.Write(context, header with { AbiVersion = 99 }, regions);
        Assert.Contains("ABI version 99", ZhuqueCli.AssertOneLineError(Zhuque("inspect", img), 122));
        ContextBuilder.Write(context, header with { RegionCount = 1000 }, regions, length: 0x2000);
        Assert.Contains("truncated", ZhuqueCli.AssertOneLineError(Zhuque("inspect", img), 122));
    }

    [Fact]
    public void InspectOnMissingDirectoryIs119()
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("inspect", _tmp["nothing-here"]), 119);
        Assert.Contains("not found", line);
        ZhuqueCli.AssertOneLineError(Zhuque("inspect", "no-such-image-name"), 119);
    }

    [Fact]
    public void InspectOnADirectoryThatIsNoImageIs119()
    {
        var dir = PrivateDir("plain");
        File.WriteAllText(Path.Combine(dir, "x"), "y");
        ZhuqueCli.AssertOneLineError(Zhuque("inspect", dir), 119);
    }

    [Fact]
    public void InspectShowsStateRegionsAndBytesOnDisk()
    {
        var img = PrivateDir("img");
        ContextBuilder.WriteTypical(Path.Combine(img, "context"), ZqState.Saved, pid: 99);
        Directory.CreateDirectory(Path.Combine(img, "regions"));
        // data: 8 KiB written at 4 KiB into a sparse file; the region covers [0, 16 KiB).
        using (var f = File.OpenHandle(Path.Combine(img, "regions", "data"), FileMode.Create, FileAccess.Write))
        {
            RandomAccess.SetLength(f, 1 << 20);
            RandomAccess.Write(f, new byte[8192].Select(_ => (byte)1).ToArray(), 4096);
        }
        var r = Zhuque("inspect", img);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("state:     saved", r.Stdout);
        Assert.DoesNotContain("pid:", r.Stdout); // nobody holds the lock
        Assert.Contains("0000000000401000-0000000000405000 rw-s regions/data", r.Stdout);
        Assert.Contains("r-xp", r.Stdout);

        var json = Zhuque("inspect", "--json", img);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Stdout);
        var root = doc.RootElement;
        Assert.Equal("saved", root.GetProperty("state").GetString());
        var rows = root.GetProperty("regions").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("regions/data", rows[1].GetProperty("file").GetString());
        Assert.Equal(16384, rows[1].GetProperty("size").GetInt64());
        Assert.Equal(8192, rows[1].GetProperty("bytesOnDisk").GetInt64());
        Assert.Equal(0, rows[0].GetProperty("bytesOnDisk").GetInt64());
        Assert.Equal("rw-s", rows[1].GetProperty("protection").GetString());
    }

    [Fact]
    public void InspectShowsThePidOnlyWhileTheLockIsHeld()
    {
        var img = PrivateDir("img");
        ContextBuilder.WriteTypical(Path.Combine(img, "context"), ZqState.Running, pid: 4321);
        using (new Flock(Path.Combine(img, "lock")))
        {
            var held = Zhuque("inspect", img);
            Assert.True(held.ExitCode == 0, held.ToString());
            Assert.Contains("pid:       4321", held.Stdout);
        }
        var free = Zhuque("inspect", img);
        Assert.DoesNotContain("4321", free.Stdout);
        Assert.Contains("it died", free.Stdout);
    }

    [Fact]
    public void ListShowsImagesUnderTheDefaultDirectory()
    {
        var root = Path.Combine(State, "zhuque", "images");
        Directory.CreateDirectory(root);
        var a = Path.Combine(root, "alpha");
        Directory.CreateDirectory(a);
        File.SetUnixFileMode(a, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ContextBuilder.WriteTypical(Path.Combine(a, "context"), ZqState.Faulted);
        var r = Zhuque("list");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("alpha", line);
        Assert.Contains("faulted", line);
        // And inspect finds it by that name.
        Assert.Equal(0, Zhuque("inspect", "alpha").ExitCode);
    }

    [Theory]
    [InlineData("--image")]
    [InlineData("--fail-after")]
    public void AnOptionFollowedByDashDashLacksItsValue(string option)
    {
        // Not "--: program not found": the option swallowed the "--".
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", option, "--", programs.Static), 125);
        Assert.Equal($"zhuque: option '{option}' needs a value", line);
    }

    [Fact]
    public void NoCommandListsEveryCommand()
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque(), 125);
        Assert.EndsWith("commands: run, resume, crash, inspect, list, rm", line);
    }

    [Theory]
    [InlineData("/dev/shm")]
    [InlineData("/tmp")]
    public void ASharedSystemDirectoryIsNeverToBeChmodded(string shared)
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", shared, "--", programs.Static), 120);
        Assert.DoesNotContain("chmod", line);
        Assert.Contains("use a directory inside it", line);
        // Our own group-writable directory still gets the plain advice.
        var img = PrivateDir("img");
        File.SetUnixFileMode(img, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite);
        Assert.Contains("chmod 700", ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", img, "--", programs.Static), 120));
    }

    [Fact]
    public void TheDefaultImageRootIsTheRuntimeDirWhenSet()
    {
        var runtime = PrivateDir("runtime");
        var img = Path.Combine(runtime, "zhuque", "images", "alpha");
        Directory.CreateDirectory(img);
        File.SetUnixFileMode(img, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ContextBuilder.WriteTypical(Path.Combine(img, "context"), ZqState.Faulted);
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = State, ["XDG_RUNTIME_DIR"] = runtime };
        var r = Proc.Run(Repo.Zhuque, ["list"], env);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("alpha", r.Stdout);
        // Unset (or relative, as the XDG rule says), the state directory stays the default.
        env["XDG_RUNTIME_DIR"] = "relative/dir";
        r = Proc.Run(Repo.Zhuque, ["list"], env);
        Assert.True(r.ExitCode == 0 && r.Stdout == "", r.ToString());
    }

    [Fact]
    public void ARaceNamesTheHolderNotThePreviousDeadOne()
    {
        // A command that has just taken the lock has not written its context:
        // the pid there is the previous run's, which has ended.
        var img = PrivateDir("img");
        using var ended = System.Diagnostics.Process.Start("true")!;
        ended.WaitForExit();
        ContextBuilder.WriteTypical(Path.Combine(img, "context"), ZqState.Exited, pid: ended.Id);
        using (new Flock(Path.Combine(img, "lock")))
        {
            foreach (var args in new[] { new[] { "run", "--image", img, "--", programs.Static }, ["rm", img] })
            {
                var line = ZhuqueCli.AssertOneLineError(Zhuque(args), 121);
                Assert.Equal($"zhuque: image {img} is in use by a running process (pid {Environment.ProcessId})", line);
            }
        }
    }

    public void Dispose() => _tmp.Dispose();
}
