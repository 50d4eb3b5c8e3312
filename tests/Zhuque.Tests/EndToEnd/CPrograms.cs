using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// The C programs of tests/c, each built twice: with zhuque-cc (static
/// against the patched musl) and with the unpatched musl, the native
/// reference for comparisons. Built once per test class.
/// </summary>
public sealed class CPrograms : IDisposable
{
    readonly TempDir _dir = new();
    readonly Dictionary<string, string> _built = [];
    readonly Lock _lock = new();

    public string Zhuque(string name) => Build(name, "zhuque-cc");

    public string Native(string name) => Build(name, "musl-native-cc");

    string Build(string name, string compiler)
    {
        lock (_lock)
        {
            var key = $"{compiler}/{name}";
            if (_built.TryGetValue(key, out var path))
                return path;
            var cc = Path.Combine(Repo.Root, "build", "bin", compiler);
            if (!File.Exists(cc))
                Assert.Fail($"{cc} is missing: build the native side first (make)");
            var source = Path.Combine(Repo.Root, "tests", "c", name + ".c");
            path = _dir[$"{name}.{compiler}"];
            var r = Proc.Run(cc, ["-O2", "-pthread", "-o", path, source]);
            Assert.True(r.ExitCode == 0, $"{compiler} {source}: {r}");
            _built[key] = path;
            return path;
        }
    }

    public void Dispose() => _dir.Dispose();
}
