namespace Zhuque.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repo
{
    /// <summary>The first directory above the test binaries that holds Zhuque.sln.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Zhuque.sln")))
                    return dir.FullName;
            }
            throw new InvalidOperationException($"no Zhuque.sln above {AppContext.BaseDirectory}");
        }
    }

    public static string IncludeDir => Path.Combine(Root, "native", "include");

    public static string ImageHeader => Path.Combine(IncludeDir, "zhuque", "image.h");

    /// <summary>build/bin/zhuque; a test that needs it fails (never skips) when it is not built.</summary>
    public static string Zhuque
    {
        get
        {
            var path = Path.Combine(Root, "build", "bin", "zhuque");
            if (!File.Exists(path))
                Assert.Fail($"{path} is missing: build it first (make, or dotnet publish src/Launcher/Launcher.csproj -c Release -o build/lib/zhuque and link build/bin/zhuque to ../lib/zhuque/zhuque)");
            return path;
        }
    }

    /// <summary>build/lib/zhuque/zhuque-shim, the native side; tests that run a real program need it.</summary>
    public static string Shim
    {
        get
        {
            var path = Path.Combine(Root, "build", "lib", "zhuque", "zhuque-shim");
            if (!File.Exists(path))
                Assert.Fail($"{path} is missing: build the native side first (make)");
            return path;
        }
    }
}
