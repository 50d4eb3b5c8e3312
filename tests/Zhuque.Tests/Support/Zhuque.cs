namespace Zhuque.Tests.Support;

/// <summary>Runs build/bin/zhuque with a private state directory, so the default image root is the test's own.</summary>
public static class ZhuqueCli
{
    public static ProcResult Run(string stateHome, params string[] args) =>
        Proc.Run(Repo.Zhuque, args, new Dictionary<string, string> { ["XDG_STATE_HOME"] = stateHome });

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
