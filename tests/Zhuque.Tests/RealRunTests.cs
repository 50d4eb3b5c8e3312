using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// build/bin/zhuque with the real native shim (build/lib/zhuque/zhuque-shim)
/// on a static program. These fail until the native side is built.
/// </summary>
public sealed class RealRunTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    ProcResult Zhuque(params string[] args)
    {
        _ = Repo.Shim; // fail with a clear message when the native side is not built
        return ZhuqueCli.Run(_tmp["state"], args);
    }

    ZqState State()
    {
        using var h = File.OpenHandle(Path.Combine(_tmp["img"], "context"), FileMode.Open, FileAccess.Read);
        return (ZqState)ContextReader.Read(h).Header.State;
    }

    [Fact]
    public void AStaticProgramRunsAndItsStatusComesBack()
    {
        var r = Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "exit", "42");
        Assert.True(r.ExitCode == 42, r.ToString());
        Assert.Equal(ZqState.Exited, State());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_tmp["img"], "regions")));
    }

    [Fact]
    public void ArgumentsReachTheProgramWithoutDashDash()
    {
        var argv = _tmp["argv.txt"];
        var r = Zhuque("run", "--image", _tmp["img"], programs.Static, "args", argv, "-x", "--image");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal([programs.Static, "args", argv, "-x", "--image"], File.ReadAllText(argv).Split('\n')[..^1]);
    }

    [Fact]
    public void ACrashLeavesAFaultedImage()
    {
        var r = Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "segv");
        Assert.True(r.ExitCode == 139, r.ToString());
        Assert.Equal(ZqState.Faulted, State());
        Assert.Equal(123, Zhuque("run", "--image", _tmp["img"], "--", programs.Static).ExitCode);
        Assert.Equal(7, Zhuque("run", "--fresh", "--image", _tmp["img"], "--", programs.Static).ExitCode);
    }

    public void Dispose() => _tmp.Dispose();
}
