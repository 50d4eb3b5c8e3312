using Xunit.Abstractions;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Issue 15: the process and its threads keep their kernel ids across any
/// number of failures, as root and as an ordinary user (the guard makes a
/// user namespace for the pid namespace then). tests/c/kinds/stable_ids.c
/// checks getpid(), 16 threads' gettid() and musl's own tids, FILE locks,
/// a robust and an error-checking mutex held across every failure,
/// pthread_kill and a pid file.
/// </summary>
public sealed class StableIdsTests(KindPrograms programs, ITestOutputHelper output) : IClassFixture<KindPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    static readonly double[] TenFailures = [.. Enumerable.Repeat(0.35, 10)];

    [Fact]
    public void EveryIdAndEveryLockIsTheSameAfterTenFailures()
    {
        var work = Directory.CreateDirectory(_tmp["work"]).FullName;
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(programs.Get("stable_ids"), [work], TenFailures);
        Assert.True(r.Failures == 10, $"not every failure hit: {r}");
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void AnOrdinaryUserKeepsItsIdsToo()
    {
        var user = OrdinaryUser();
        if (user is null)
            return; // not root: the suite itself runs as an ordinary user, and the test above is this one
        var shared = Directory.CreateDirectory(_tmp["user"]).FullName;
        File.SetUnixFileMode(_tmp.Path, (UnixFileMode)0x1ed); // 0755: the user reaches its directory
        Proc.Check("chown", $"{user}:{user}", shared);
        var program = Path.Combine(shared, "stable_ids");
        File.Copy(programs.Get("stable_ids"), program);
        Proc.Check("chmod", "755", program);
        var work = Path.Combine(shared, "work");
        var runAs = new[] { "setpriv", $"--reuid={user}", $"--regid={user}", "--clear-groups" };
        Proc.Check(runAs[0], [.. runAs[1..], "mkdir", work]);
        // xunit 2 cannot skip at run time: say why, and pass.
        var probe = Proc.Run(runAs[0], [.. runAs[1..], "unshare", "--user", "--pid", "--fork", "true"]);
        if (probe.ExitCode != 0)
        {
            output.WriteLine($"skipped: this kernel forbids an ordinary user's namespaces ({probe.Stderr.Trim()}), so zhuque cannot run as one here");
            return;
        }
        var r = new Interrupter(Path.Combine(shared, "state"), Path.Combine(shared, "img"), runAs: runAs)
            .Run(program, [work], TenFailures);
        Assert.True(r.Failures == 10, $"not every failure hit: {r}");
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    /// <summary>As root: a system user made for the tests (once per machine); otherwise null.</summary>
    static string? OrdinaryUser()
    {
        if (Environment.UserName != "root")
            return null;
        const string name = "zhuque-test-ids";
        if (Proc.Run("id", ["-u", name]).ExitCode != 0)
            Proc.Check("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        return name;
    }

    public void Dispose() => _tmp.Dispose();
}
