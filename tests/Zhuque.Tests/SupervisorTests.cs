using System.Text.Json;
using Zhuque.Interpose.Image;
using Zhuque.Launcher;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Run;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// `run` end to end, in process, with a stand-in for the native shim: a
/// shell script that checks the shim protocol (fds inherited, argument
/// order), writes a context from a template as the real shim would, and
/// execs the program. This checks what the launcher does around the
/// program without the native side.
/// </summary>
public sealed class SupervisorTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    string Image => _tmp["img"];

    string Context => Path.Combine(Image, "context");

    /// <summary>A fake shim whose context starts in the given state.</summary>
    string FakeShim(ZqState state, bool failBeforeContext = false)
    {
        var template = _tmp["template"];
        ContextBuilder.WriteTypical(template, state, pid: 1);
        var shim = _tmp["zhuque-shim"];
        File.WriteAllText(shim, $$"""
            #!/bin/bash
            [ "$1" = run ] || { echo "zhuque: fake shim: bad verb $1" >&2; exit 125; }
            readlink /proc/self/fd/$2 > '{{_tmp["dirfd"]}}'
            readlink /proc/self/fd/$3 > '{{_tmp["lockfd"]}}'
            {{(failBeforeContext ? "echo 'zhuque: fake shim failed' >&2; exit 125" : "")}}
            cp --sparse=always '{{template}}' /proc/self/fd/$2/context
            mkdir -p /proc/self/fd/$2/regions
            echo memory > /proc/self/fd/$2/regions/data
            prog=$4 argv0=$5
            shift 5
            exec -a "$argv0" "$prog" "$@"
            """);
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return shim;
    }

    int Run(string shim, bool fresh, params string[] command) =>
        new RunCommand(new RunRequest(Image, fresh, Verbose: false, command), shim).Execute();

    ZqHeader Header()
    {
        using var h = File.OpenHandle(Context, FileMode.Open, FileAccess.Read);
        return ContextReader.Read(h).Header;
    }

    Manifest ReadManifest() =>
        JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(Image, "manifest.json")), ZhuqueJsonContext.Default.Manifest)!;

    bool MemoryKept => File.Exists(Path.Combine(Image, "regions", "data"));

    [Fact]
    public void NormalExitReturnsTheStatusReleasesMemoryAndRecordsExited()
    {
        var status = Run(FakeShim(ZqState.Running), false, programs.Static, "exit", "42");
        Assert.Equal(42, status);
        var header = Header();
        Assert.Equal((uint)ZqState.Exited, header.State);
        Assert.Equal(42, header.ExitStatus);
        Assert.False(MemoryKept, "regions/* must be deleted after a normal exit");
        Assert.True(Directory.Exists(Path.Combine(Image, "regions")));

        var m = ReadManifest();
        Assert.Equal(1, m.FormatVersion);
        Assert.Equal(programs.Static, m.Program);
        Assert.Equal(64, m.ProgramSha256.Length);
        Assert.Equal([programs.Static, "exit", "42"], m.Argv);
        Assert.Equal(Environment.CurrentDirectory, m.Cwd);
        Assert.Equal(["run", "exit"], m.History.Select(h => h.Event));
        Assert.Equal(42, m.History[1].Status);
        Assert.Equal(m.History[0].Pid, m.History[1].Pid);
        Assert.True(m.History[0].Pid > 0);
    }

    [Fact]
    public void TheShimGetsTheImageAndLockFdsAndTheArgumentsInOrder()
    {
        var argsFile = _tmp["argv.txt"];
        Assert.Equal(0, Run(FakeShim(ZqState.Running), false, programs.Static, "args", argsFile, "two words", ""));
        Assert.Equal(Image, File.ReadAllText(_tmp["dirfd"]).Trim());
        Assert.Equal(Path.Combine(Image, "lock"), File.ReadAllText(_tmp["lockfd"]).Trim());
        Assert.Equal([programs.Static, "args", argsFile, "two words", ""], File.ReadAllText(argsFile).Split('\n')[..^1]);
    }

    [Fact]
    public void TheProgramGetsDefaultSignalDispositionsAndAnEmptyMask() =>
        Assert.Equal(0, Run(FakeShim(ZqState.Running), false, programs.Static, "signals"));

    [Fact]
    public void FilesAreCreatedPrivate()
    {
        Run(FakeShim(ZqState.Running), false, programs.Static, "exit", "0");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Image));
        foreach (var name in new[] { "manifest.json", "zhuque.log", "lock" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Image, name)));
        Assert.Contains("started", File.ReadAllText(Path.Combine(Image, "zhuque.log")));
    }

    [Fact]
    public void ACrashIsFaultedAndKeepsMemory()
    {
        Assert.Equal(128 + 11, Run(FakeShim(ZqState.Running), false, programs.Static, "segv"));
        Assert.Equal((uint)ZqState.Faulted, Header().State);
        Assert.True(MemoryKept);
        var last = ReadManifest().History[^1];
        Assert.Equal("faulted", last.Event);
        Assert.Equal(139, last.Status);
        Assert.Contains("SIGSEGV", last.Detail);
    }

    [Fact]
    public void AKillIsLostAndKeepsMemory()
    {
        Assert.Equal(128 + 9, Run(FakeShim(ZqState.Running), false, programs.Static, "kill9"));
        Assert.Equal((uint)ZqState.Lost, Header().State);
        Assert.True(MemoryKept);
        Assert.Equal("lost", ReadManifest().History[^1].Event);
    }

    [Fact]
    public void ASavedFailureIsKeptAndReturns158()
    {
        Assert.Equal(158, Run(FakeShim(ZqState.Saved), false, programs.Static, "kill9"));
        Assert.Equal((uint)ZqState.Saved, Header().State);
        Assert.True(MemoryKept);
        var last = ReadManifest().History[^1];
        Assert.Equal("failure", last.Event);
        Assert.Equal(158, last.Status);
        Assert.Contains("then killed by SIGKILL", last.Detail); // not by the SIGPWR of a save
    }

    [Fact]
    public void ASavedImageIsKeptWithoutFreshAndFreshDiscardsIt()
    {
        Assert.Equal(158, Run(FakeShim(ZqState.Saved), false, programs.Static, "kill9"));
        // Without --fresh, run on a saved failure of the same program resumes it
        // (RunOrResumeTests); this fake shim's context has no valid checksum,
        // so it is refused as corrupt before anything starts, and kept.
        Assert.Equal(122, Run(FakeShim(ZqState.Running), false, programs.Static, "exit", "3"));
        Assert.Equal((uint)ZqState.Saved, Header().State);
        Assert.Equal(3, Run(FakeShim(ZqState.Running), true, programs.Static, "exit", "3"));
        Assert.Equal((uint)ZqState.Exited, Header().State);
        // History survives --fresh: run, failure, run, exit.
        Assert.Equal(["run", "failure", "run", "exit"], ReadManifest().History.Select(h => h.Event));
    }

    [Fact]
    public void AShimThatFailsBeforeTheContextPassesItsStatusThrough()
    {
        Assert.Equal(125, Run(FakeShim(ZqState.Running, failBeforeContext: true), false, programs.Static));
        Assert.False(File.Exists(Context));
        var last = ReadManifest().History[^1];
        Assert.Equal("exit", last.Event);
        Assert.Equal(125, last.Status);
        // And the image is still usable afterwards.
        Assert.Equal(7, Run(FakeShim(ZqState.Running), false, programs.Static));
    }

    [Fact]
    public void AMissingShimIs125()
    {
        Assert.Equal(125, Run(_tmp["no-shim"], false, programs.Static));
        Assert.DoesNotContain(ReadManifest().History, h => h.Event == "run");
    }

    public void Dispose() => _tmp.Dispose();
}
