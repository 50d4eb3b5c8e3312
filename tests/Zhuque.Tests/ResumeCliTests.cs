using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// `zhuque resume` and `zhuque crash` refusing, as a user meets them: in
/// order, not an image (119), insecure (120), in use (121), corrupt (122),
/// not a saved failure (123), the program or its directory changed (118);
/// each one line on stderr, and the image exactly as it was. None of these
/// reaches the native shim.
/// </summary>
public sealed class ResumeCliTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    ProcResult Zhuque(params string[] args) => ZhuqueCli.Run(_tmp["state"], args);

    /// <summary>A saved image of a copy of the test program (so the copy can be changed), run from a directory of its own.</summary>
    string Saved(ZqState state = ZqState.Saved, string name = "img")
    {
        var program = _tmp["prog"];
        if (!File.Exists(program))
            File.Copy(programs.Static, program);
        Directory.CreateDirectory(_tmp["cwd"]);
        return SavedImages.Create(_tmp[name], state, program, _tmp["cwd"]);
    }

    /// <summary>Refused with this code, and the image is as it was.</summary>
    string Refused(string image, int code, params string[] args)
    {
        var before = Directory.Exists(image) ? SavedImages.Snapshot(image) : null;
        var line = ZhuqueCli.AssertOneLineError(Zhuque(args), code);
        if (before is not null)
            Assert.Equal(before, SavedImages.Snapshot(image));
        return line;
    }

    [Fact]
    public void AMissingImageIs119()
    {
        Assert.Contains("not found", Refused(_tmp["none"], 119, "resume", _tmp["none"]));
        Refused(_tmp["none"], 119, "resume", "no-such-image-name");
        Assert.False(Directory.Exists(_tmp["none"]));
    }

    [Fact]
    public void ADirectoryThatIsNoImageIs119()
    {
        var dir = Directory.CreateDirectory(_tmp["plain"]).FullName;
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, "notes"), "mine");
        Assert.Contains("not a Zhuque image", Refused(dir, 119, "resume", dir));
        Assert.Equal(["notes"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void ASymlinkedOrGroupWritableImageIs120()
    {
        var image = Saved();
        File.CreateSymbolicLink(_tmp["link"], image);
        Assert.Contains("symbolic link", Refused(image, 120, "resume", _tmp["link"]));
        File.SetUnixFileMode(image, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite);
        Assert.Contains("writable", Refused(image, 120, "resume", image));
        Assert.False(File.Exists(Path.Combine(image, "zhuque.log")), "nothing is written to an insecure image");
    }

    [Fact]
    public void AnImageInUseIs121AndNamesThePid()
    {
        var image = Saved();
        using (new Flock(Path.Combine(image, "lock")))
        {
            // The context's pid 4242 does not hold the lock: its holder, this test process, is named.
            Assert.Equal($"zhuque: image {image} is in use by a running process (pid {Environment.ProcessId})", Refused(image, 121, "resume", image));
            // The lock is checked before the context is read: a busy image is never called corrupt.
            File.WriteAllText(Path.Combine(image, "context"), "half-written");
            Assert.Contains($"pid {Environment.ProcessId}", Refused(image, 121, "resume", image));
        }
    }

    [Fact]
    public void ACorruptContextOrManifestIs122()
    {
        var image = Saved();
        var context = Path.Combine(image, "context");
        using (var f = File.OpenHandle(context, FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(f, new byte[] { 0 }, 0);
        Assert.Contains("bad magic", Refused(image, 122, "resume", image));

        image = Saved(name: "img2");
        var header = ContextBuilder.Header(ZqState.Saved, 1, ContextBuilder.TypicalRegions);
        ContextBuilder.Write(Path.Combine(image, "context"), header with { AbiVersion = 2 }, ContextBuilder.TypicalRegions);
        Assert.Contains("ABI version 2", Refused(image, 122, "resume", image));
        ContextBuilder.Write(Path.Combine(image, "context"), header with { ThreadCount = 10 }, ContextBuilder.TypicalRegions, length: 0x2001100);
        Assert.Contains("thread table", Refused(image, 122, "resume", image));

        image = Saved(name: "img3");
        File.WriteAllText(Path.Combine(image, "manifest.json"), "{ not json");
        Assert.Contains("manifest", Refused(image, 122, "resume", image));
        File.Delete(Path.Combine(image, "manifest.json"));
        Assert.Contains("no manifest.json", Refused(image, 122, "resume", image));
    }

    [Theory]
    [InlineData(ZqState.Exited, "an exited run")]
    [InlineData(ZqState.Lost, "a lost run")]
    [InlineData(ZqState.Faulted, "a faulted run")]
    [InlineData(ZqState.Running, "a run whose process died without a save (state running)")]
    [InlineData(ZqState.New, "a run that never started (state new)")]
    public void AnImageWithoutASavedFailureIs123AndSaysWhatItHolds(ZqState state, string holds)
    {
        var image = Saved(state);
        var line = Refused(image, 123, "resume", image);
        Assert.Contains($"image {image} holds {holds}", line);
        Assert.EndsWith("not a saved failure", line);
    }

    [Fact]
    public void AnImageWithNoContextIs123()
    {
        // A first run that ended before the shim made the context: no history yet.
        var image = Saved();
        File.Delete(Path.Combine(image, "context"));
        SavedImages.WriteManifest(image, SavedImages.ReadManifest(image) with { History = [] });
        Assert.Contains("state none", Refused(image, 123, "resume", image));
    }

    [Fact]
    public void AChangedProgramIs118()
    {
        var image = Saved();
        File.AppendAllText(_tmp["prog"], "x");
        var line = Refused(image, 118, "resume", image);
        Assert.Equal($"zhuque: {_tmp["prog"]}: the program changed since the image was saved; resuming it would not be safe", line);
    }

    [Fact]
    public void AMissingProgramIs118()
    {
        var image = Saved();
        File.Delete(_tmp["prog"]);
        Assert.Contains("is missing", Refused(image, 118, "resume", image));
    }

    [Fact]
    public void AWorkingDirectoryThatIsGoneIs118()
    {
        var image = Saved();
        Directory.Delete(_tmp["cwd"]);
        Assert.Contains($"{_tmp["cwd"]}, is gone", Refused(image, 118, "resume", image));
    }

    [Fact]
    public void TheStateIsCheckedBeforeTheProgram()
    {
        var image = Saved(ZqState.Exited);
        File.AppendAllText(_tmp["prog"], "x");
        Refused(image, 123, "resume", image);
    }

    [Fact]
    public void AnImageIsFoundByNameUnderTheDefaultDirectory()
    {
        var root = Directory.CreateDirectory(Path.Combine(_tmp["state"], "zhuque", "images")).FullName;
        var image = SavedImages.Create(Path.Combine(root, "named"), ZqState.Exited, programs.Static, _tmp.Path);
        Assert.Contains($"image {image} holds an exited run", Refused(image, 123, "resume", "named"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("1e300")]
    public void FailAfterMustBeAPositiveNumberOfSeconds(string value)
    {
        var image = Saved();
        var line = Refused(image, 125, "resume", "--fail-after", value, image);
        Assert.Contains("fail-after", line);
        ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", _tmp["other"], "--fail-after", value, "--", programs.Static), 125);
        Assert.False(Directory.Exists(_tmp["other"]));
    }

    [Fact]
    public void CrashOnAnImageThatIsNotRunningIs123()
    {
        var image = Saved();
        Assert.Equal($"zhuque: image {image} is not running (state saved)", Refused(image, 123, "crash", image));
        image = Saved(ZqState.Running, "img2"); // marked running, but no process holds it: it died
        Assert.Contains("is not running (state running)", Refused(image, 123, "crash", image));
        Refused(_tmp["none"], 119, "crash", _tmp["none"]);
    }

    [Fact]
    public void CrashRefusesToSignalAPidThatDoesNotHoldTheImage()
    {
        // The lock is held (by flock(1)), but the pid the context names, a
        // sleep, has nothing of the image open: it must not be signalled.
        using var sleeper = System.Diagnostics.Process.Start("sleep", "60");
        try
        {
            var image = Saved(ZqState.Running);
            var header = ContextBuilder.Header(ZqState.Running, sleeper.Id, ContextBuilder.TypicalRegions);
            ContextBuilder.Write(Path.Combine(image, "context"), header, ContextBuilder.TypicalRegions);
            var r = Proc.Run("flock", ["-x", Path.Combine(image, "lock"), Repo.Zhuque, "crash", "--timeout", "2", image],
                new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] });
            var line = ZhuqueCli.AssertOneLineError(r, 125);
            Assert.Contains($"pid {sleeper.Id}", line);
            Assert.Contains("does not hold its lock", line);
            Assert.False(sleeper.HasExited, "the sleep was signalled");
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public void CrashTimesOutWhileARunDoesNotStart()
    {
        var image = Saved(ZqState.New);
        using (new Flock(Path.Combine(image, "lock")))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var line = Refused(image, 125, "crash", "--timeout", "0.3", image);
            Assert.Contains("timed out after 0.3 s", line);
            Assert.InRange(clock.ElapsedMilliseconds, 250, 20_000);
        }
    }

    [Theory]
    [InlineData("stack")]
    [InlineData("arena")]
    [InlineData("brk")]
    public void AMissingRegionFileIsCorruptWhicheverItIs(string name)
    {
        // One rule for every region file: arena and brk, which the shim always
        // opens, were "cannot open image file arena" (125) from the shim.
        var image = Saved();
        File.Delete(Path.Combine(image, "regions", name));
        Assert.Equal($"zhuque: image {image} is corrupt: regions/{name} is missing", Refused(image, 122, "resume", image));
    }

    [Fact]
    public void ADeletedContextOfASavedFailureIsCorruptNotNeverStarted()
    {
        var image = Saved();
        File.Delete(Path.Combine(image, "context"));
        var line = Refused(image, 122, "resume", image);
        Assert.Contains("its context is missing, though its history ends with a saved failure", line);
        Assert.DoesNotContain("never started", line);
    }

    public void Dispose() => _tmp.Dispose();
}
