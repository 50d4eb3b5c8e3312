using System.Security.Cryptography;
using System.Text.Json;
using Zhuque.Interpose.Image;
using Zhuque.Launcher;
using Zhuque.Launcher.Images;

namespace Zhuque.Tests.Support;

/// <summary>
/// Image directories as a run leaves them (0700; context, manifest,
/// regions/stack, lock), built without the native side, and a snapshot of
/// their contents to prove a refused command changed nothing.
/// </summary>
public static class SavedImages
{
    /// <summary>An image of program whose context is in the given state, run from cwd.</summary>
    public static string Create(string path, ZqState state, string program, string cwd, int pid = 4242)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var header = ContextBuilder.Header(state, pid, ContextBuilder.TypicalRegions);
        if (state == ZqState.Saved)
            header = header with { Failures = 1, SavedNs = 1_700_000_001_000_000_000UL, SaveNs = 420_000 };
        ContextBuilder.Write(Path.Combine(path, "context"), header, ContextBuilder.TypicalRegions,
            threads: state == ZqState.Saved ? [ContextBuilder.Thread(pid, Layout.StackTop - 0x800)] : null);
        ContextBuilder.CreateRegionFiles(path, ContextBuilder.TypicalRegions);
        // The shim reserves the brk and arena windows whatever the regions use: a run always leaves both.
        foreach (var name in new[] { "brk", "arena" })
            File.WriteAllBytes(Path.Combine(path, "regions", name), []);
        ContextBuilder.Store(path, ContextBuilder.TypicalRegions[2], Layout.StackTop - 0x800, new Zhuque.Interpose.Frames.KernelUContext());
        WriteManifest(path, new Manifest(1, program, Sha256(program), [program], cwd, DateTime.UtcNow,
        [
            new HistoryEntry(DateTime.UtcNow, "run", pid),
            new HistoryEntry(DateTime.UtcNow, "failure", pid, 158, "1 thread"),
        ]));
        File.WriteAllBytes(Path.Combine(path, "lock"), []);
        return path;
    }

    public static void WriteManifest(string image, Manifest manifest) =>
        File.WriteAllText(Path.Combine(image, "manifest.json"), JsonSerializer.Serialize(manifest, ZhuqueJsonContext.Default.Manifest));

    public static Manifest ReadManifest(string image) =>
        JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(image, "manifest.json")), ZhuqueJsonContext.Default.Manifest)!;

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>
    /// Every file of the image but the log (which a verb may append to), with
    /// its length, mode and a digest: of the whole file, or for the sparse
    /// 1 GiB context of its header, region table and thread table.
    /// </summary>
    public static SortedDictionary<string, string> Snapshot(string image)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(image, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(image, file);
            if (name == "zhuque.log")
                continue;
            if (name == "lock")
            {
                // Empty; and opening it with .NET would take flock(LOCK_SH), which a test may be holding off.
                files[name] = $"{new FileInfo(file).Length} {File.GetUnixFileMode(file)}";
                continue;
            }
            using var handle = File.OpenHandle(file);
            var length = RandomAccess.GetLength(handle);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var parts = name == "context" ? [(0L, 0x10000), ((long)Layout.ThreadsOff, 0x1000)] : new[] { (0L, (int)length) };
            foreach (var (offset, size) in parts)
            {
                var buffer = new byte[size];
                var n = RandomAccess.Read(handle, buffer, offset);
                hash.AppendData(buffer, 0, n);
            }
            files[name] = $"{length} {Convert.ToHexStringLower(hash.GetHashAndReset())} {File.GetUnixFileMode(file)}";
        }
        return files;
    }
}
