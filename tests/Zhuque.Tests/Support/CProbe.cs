namespace Zhuque.Tests.Support;

/// <summary>
/// Compiles a C program that prints "key value" lines and returns them as a
/// dictionary: the way tests ask the C compiler about layouts and constants.
/// </summary>
public static class CProbe
{
    public static Dictionary<string, string> Run(string source, params string[] includeDirs) => RunWith("gcc", source, includeDirs);

    /// <summary>The same with another C compiler (build/bin/zhuque-cc: musl's headers).</summary>
    public static Dictionary<string, string> RunWith(string compiler, string source, params string[] includeDirs)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["probe.c"], source);
        var args = new List<string> { "-std=gnu11", "-Wall", "-Werror", "-o", dir["probe"], dir["probe.c"] };
        args.AddRange(includeDirs.Select(i => "-I" + i));
        var cc = Proc.Run(compiler, args);
        Assert.True(cc.ExitCode == 0, $"the generated C did not compile (a name the C# mirror uses is not in C?):\n{cc.Stderr}\n--- probe.c ---\n{source}");
        var output = Proc.Check(dir["probe"]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2))
            .ToDictionary(p => p[0], p => p[1]);
    }
}
