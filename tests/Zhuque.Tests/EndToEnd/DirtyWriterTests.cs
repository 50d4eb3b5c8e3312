using System.Runtime.InteropServices;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// On a disk filesystem (the tests' /tmp is ext4 here) a failure is saved
/// once the image's dirty pages are written back. `run --dirty-limit MIB`
/// (DirtyWriter) starts that writeback while the program runs: after the
/// program has written 128 MiB, its image files' dirty pages fall to the
/// limit without any failure asking, where the kernel alone would leave
/// them dirty for its 30 s expiry, all for the save to flush.
/// </summary>
public sealed partial class DirtyWriterTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _disk = new();

    LineProcess Zhuque(params string[] args) =>
        new(Repo.Zhuque, args, new Dictionary<string, string> { ["XDG_STATE_HOME"] = _disk["state"] });

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long fd, long* range, long* stat, long flags);

    /// <summary>Dirty pages of every file of the image (cachestat, Linux 6.5).</summary>
    static unsafe long DirtyPages(string image)
    {
        long pages = 0;
        var range = stackalloc long[2];
        var stat = stackalloc long[5];
        foreach (var path in Directory.GetFiles(Path.Combine(image, "regions")).Append(Path.Combine(image, "context")))
        {
            using var file = File.OpenHandle(path);
            range[0] = range[1] = 0;
            Assert.True(Syscall(451, file.DangerousGetHandle(), range, stat, 0) == 0, $"cachestat {path}: errno {Marshal.GetLastPInvokeError()}");
            pages += stat[1];
        }
        return pages;
    }

    [Fact]
    public void DirtyImagePagesAreWrittenBackDownToTheLimitWhileTheProgramRuns()
    {
        const int limitMiB = 8;
        var image = _disk["img"];
        using var run = Zhuque("run", "--dirty-limit", limitMiB.ToString(), "--image", image, "--", programs.Zhuque("bench_failure"), "128");
        Assert.StartsWith("ready ", run.ReadLine());
        // A wait for the writer, not a measure of its speed: it looks every
        // 20 ms; the kernel's own writeback would take 30 s to start.
        var until = DateTime.UtcNow.AddSeconds(15);
        long dirty;
        while ((dirty = DirtyPages(image)) * Environment.SystemPageSize > limitMiB << 20 && DateTime.UtcNow < until)
            Thread.Sleep(50);
        Assert.True(dirty * Environment.SystemPageSize <= limitMiB << 20,
            $"{dirty * Environment.SystemPageSize >> 20} MiB still dirty after 15 s, limit {limitMiB} MiB");

        var crash = ZhuqueCli.Run(_disk["state"], "crash", image);
        Assert.True(crash.ExitCode == 0, crash.ToString());
        Assert.Equal(158, run.WaitForExit());
        using var resume = Zhuque("resume", image);
        Assert.StartsWith("resumed_at ", resume.ReadLine());
        Assert.Equal(0, resume.WaitForExit());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2000000")]
    public void ADirtyLimitOutOfRangeIsOneLine(string mib)
    {
        var r = ZhuqueCli.Run(_disk["state"], "run", "--dirty-limit", mib, "--image", _disk["img"], "--", programs.Zhuque("bench_failure"), "1");
        var line = ZhuqueCli.AssertOneLineError(r, 125);
        Assert.Equal($"zhuque: --dirty-limit needs a number of MiB from 0 to 1048576, not {mib}", line);
    }

    public void Dispose() => _disk.Dispose();
}
