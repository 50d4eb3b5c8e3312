using System.Diagnostics;

namespace Zhuque.Tests.Support;

/// <summary>Runs build/bin/zhuque with a private state directory, so the default image root is the test's own.</summary>
public static class ZhuqueCli
{
    public static ProcResult Run(string stateHome, params string[] args) =>
        Proc.Run(Repo.Zhuque, args, new Dictionary<string, string> { ["XDG_STATE_HOME"] = stateHome });

    /// <summary>Starts zhuque with args in the background, its output read and dropped (a server that
    /// writes much must never block on a full pipe); edit may change the start first.</summary>
    public static Process StartDrained(string stateHome, IEnumerable<string> args, Action<ProcessStartInfo>? edit = null)
    {
        var info = new ProcessStartInfo(Repo.Zhuque) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["XDG_STATE_HOME"] = stateHome;
        foreach (var a in args)
            info.ArgumentList.Add(a);
        edit?.Invoke(info);
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>A zhuque error: the given code, exactly one line on stderr, no stack trace.</summary>
    public static string AssertOneLineError(ProcResult r, int code)
    {
        Assert.True(r.ExitCode == code, $"expected exit {code}, got {r}");
        var lines = r.StderrLines;
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}: {r}");
        Assert.StartsWith("zhuque: ", lines[0]);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        return lines[0];
    }
}
