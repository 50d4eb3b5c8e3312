namespace Zhuque.Tests.Support;

/// <summary>
/// tests/c/inspect_target.c built with zhuque-cc in the ways inspect must
/// read: DWARF 5 at -O0 and -O2, DWARF 4, compressed debug sections,
/// without -g, without unwind tables. Built once per test class, on demand.
/// </summary>
public sealed class DebugPrograms : IDisposable
{
    public static readonly IReadOnlyDictionary<string, string[]> Variants = new Dictionary<string, string[]>
    {
        ["g-O0"] = ["-g", "-O0"],
        ["g-O2"] = ["-g", "-O2"],
        ["gdwarf4-O2"] = ["-gdwarf-4", "-O2"],
        ["gdwarf4-O0"] = ["-gdwarf-4", "-O0"],
        ["gz-O2"] = ["-g", "-gz", "-O2"],
        ["nodebug-O2"] = ["-O2"],
        // No .eh_frame for the program's own functions either: the unwinder guesses everywhere.
        ["nocfi-O0"] = ["-g", "-O0", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables"],
        ["nocfi-O2"] = ["-g", "-O2", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables"],
    };

    readonly TempDir _dir = new();
    readonly Dictionary<string, string> _built = [];
    readonly Lock _lock = new();

    public static string SourcePath => Path.Combine(Repo.Root, "tests", "c", "inspect_target.c");

    /// <summary>The 1-based line of the source that holds marker (a comment), found in the text, not hard-coded.</summary>
    public static int LineOf(string marker)
    {
        var lines = File.ReadAllLines(SourcePath);
        var index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(index >= 0, $"no {marker} in {SourcePath}");
        return index + 1;
    }

    public string Build(string variant) => Build(variant, SourcePath);

    /// <summary>Any C file of the repository built with a variant's flags (as variant-name.variant).</summary>
    public string Build(string variant, string source)
    {
        lock (_lock)
        {
            var path = _dir[$"{Path.GetFileNameWithoutExtension(source)}.{variant}"];
            if (_built.ContainsKey(path))
                return path;
            var cc = Path.Combine(Repo.Root, "build", "bin", "zhuque-cc");
            if (!File.Exists(cc))
                Assert.Fail($"{cc} is missing: build the native side first (make)");
            Proc.Check(cc, [.. Variants[variant], "-pthread", "-o", path, source]);
            _built[path] = path;
            return path;
        }
    }

    /// <summary>
    /// The source copied into a directory and built there by its relative
    /// name: its file names are then relative to the compilation directory
    /// (DW_AT_comp_dir), which DWARF 4 line tables do not hold.
    /// </summary>
    public string BuildRelative(string variant)
    {
        lock (_lock)
        {
            var dir = _dir[$"relative.{variant}"];
            var path = Path.Combine(dir, "inspect_target");
            if (_built.ContainsKey(path))
                return path;
            Directory.CreateDirectory(dir);
            File.Copy(SourcePath, Path.Combine(dir, "inspect_target.c"));
            var r = Proc.Run(Path.Combine(Repo.Root, "build", "bin", "zhuque-cc"),
                [.. Variants[variant], "-pthread", "-o", "inspect_target", "inspect_target.c"], cwd: dir);
            Assert.True(r.ExitCode == 0, r.ToString());
            _built[path] = path;
            return path;
        }
    }

    public void Dispose() => _dir.Dispose();
}
