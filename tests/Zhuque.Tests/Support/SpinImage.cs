namespace Zhuque.Tests.Support;

/// <summary>
/// A test's image of SpinHereProgram: a private temporary directory holding
/// the image ("img") and zhuque's state directory, zhuque run against them,
/// and a saved failure made on demand.
/// </summary>
public sealed class SpinImage(SpinHereProgram spin) : IDisposable
{
    readonly TempDir _tmp = new();

    public string Path => _tmp["img"];

    public string StateHome => _tmp["state"];

    /// <summary>Another path in the same temporary directory.</summary>
    public string this[string name] => _tmp[name];

    public ProcResult Zhuque(params string[] args)
    {
        _ = Repo.Shim;
        return ZhuqueCli.Run(StateHome, args);
    }

    /// <summary>Runs the program and cuts its power after 0.2 s: the image holds a saved failure.</summary>
    public void Save()
    {
        var r = Zhuque("run", "--image", Path, "--fail-after", "0.2", "--", spin.Path);
        Assert.True(r.ExitCode == 158, r.ToString());
    }

    public void Dispose() => _tmp.Dispose();
}
