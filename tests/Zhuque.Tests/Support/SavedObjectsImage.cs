using System.Diagnostics;

namespace Zhuque.Tests.Support;

/// <summary>
/// A real saved image of tests/c/objects.c: built with zhuque-cc (-g), run
/// under zhuque on /dev/shm until it prints "ready", then failed with
/// `zhuque crash`. Its three threads, descriptors 3-9 and signal
/// dispositions are what objects.c's comment lists; Port is the one its
/// listening socket got. Made once per test class that uses it.
/// </summary>
public sealed class SavedObjectsImage : IDisposable
{
    readonly TempDir _dir = new("/dev/shm");

    public SavedObjectsImage()
    {
        _ = Repo.Shim;
        var cc = System.IO.Path.Combine(Repo.Root, "build", "bin", "zhuque-cc");
        Proc.Check(cc, "-O1", "-g", "-pthread", "-o", Program, System.IO.Path.Combine(Repo.Root, "tests", "c", "objects.c"));
        Directory.CreateDirectory(WorkDir);
        var info = new ProcessStartInfo(Repo.Zhuque)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "run", "--image", Image, "--", Program, WorkDir })
            info.ArgumentList.Add(a);
        info.Environment["XDG_STATE_HOME"] = StateHome;
        using var run = Process.Start(info)!;
        var stderr = run.StandardError.ReadToEndAsync();
        try
        {
            var lines = new List<string>();
            var reading = Task.Run(() =>
            {
                while (run.StandardOutput.ReadLine() is { } line && line != "ready")
                    lines.Add(line);
            });
            if (!reading.Wait(30_000) || run.HasExited)
                Assert.Fail($"objects.c did not get ready: exit {(run.HasExited ? run.ExitCode : -1)}, stdout {string.Join('|', lines)}");
            Port = int.Parse(lines.Single(l => l.StartsWith("port ", StringComparison.Ordinal))[5..], System.Globalization.CultureInfo.InvariantCulture);
            var crash = ZhuqueCli.Run(StateHome, "crash", Image);
            Assert.True(crash.ExitCode == 0, crash.ToString());
            Assert.True(run.WaitForExit(30_000) && run.ExitCode == 158, $"zhuque run ended with {run.ExitCode}: {stderr.Result}");
        }
        finally
        {
            if (!run.HasExited)
                run.Kill(entireProcessTree: true);
        }
    }

    public string Image => _dir["img"];

    public string Program => _dir["objects"];

    public string WorkDir => _dir["work"];

    public string StateHome => _dir["state"];

    /// <summary>The file objects.c opened as descriptor 3.</summary>
    public string FilePath => System.IO.Path.Combine(WorkDir, "objects.txt");

    public int Port { get; }

    /// <summary>A copy of the image's context: the file itself, sparse.</summary>
    public string Context => System.IO.Path.Combine(Image, "context");

    public void Dispose() => _dir.Dispose();
}
