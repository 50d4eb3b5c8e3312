using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// An image that may be resumed: its context and manifest read cleanly
/// (else 122), it holds a saved failure (else 123, naming what it holds),
/// its context passes its checksum and every region file is there and long
/// enough (else 122; a symbolic link among them 120), and the program file
/// and the working directories of the saved run are still there, the
/// program byte for byte (else 118). The caller holds the lock; nothing is
/// mapped or written.
/// </summary>
public sealed record SavedImage(Context Context, Manifest Manifest)
{
    public static SavedImage Check(ImageDirectory dir)
    {
        var context = ContextFile.Read(dir);
        var manifest = ManifestStore.Read(dir);
        // Only a run writes history, and every run leaves a context: without
        // one, the image lost a file, it did not "never start".
        if (context is null && manifest?.History.LastOrDefault() is { } last)
            throw new ZhuqueException(ReturnCode.ImageCorrupt, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"image {dir.Path} is corrupt: its context is missing, though its history ends with {Describe(last)}"));
        if (context?.State != ZqState.Saved)
            throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} holds {Holds(context)}, not a saved failure");
        if (!context.ChecksumMatches)
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: its context fails its checksum");
        if (manifest is null)
            throw new ZhuqueException(ReturnCode.ImageCorrupt,
                $"image {dir.Path} has no manifest.json: which program it holds is unknown");
        RegionFiles.Check(dir, context);
        CheckProgram(manifest);
        CheckMappedFiles(context);
        // The shim starts in the run's directory and returns to the one the
        // program was in at the failure (saved in the context): both must exist.
        foreach (var cwd in new[] { manifest.Cwd, context.SavedCwd })
        {
            if (cwd is not null && !Directory.Exists(cwd))
                throw new ZhuqueException(ReturnCode.ProgramChanged,
                    $"the working directory of the saved program, {cwd}, is gone; resuming it elsewhere would not be safe");
        }
        return new SavedImage(context, manifest);
    }

    static string Holds(Context? context) => context?.State switch
    {
        null => "no context (state none: the program never started)",
        ZqState.New => "a run that never started (state new)",
        ZqState.Running => "a run whose process died without a save (state running)",
        ZqState.Exited => "an exited run",
        ZqState.Lost => "a lost run (it died without a save)",
        ZqState.Faulted => "a faulted run (the program crashed itself; zhuque inspect shows where)",
        var s => $"state {ContextFile.StateName(s.Value)}",
    };

    static string Describe(HistoryEntry h) => h.Event == HistoryEvents.Failure
        ? $"a saved failure ({h.Time:yyyy-MM-ddTHH:mm:ssZ})"
        : $"'{h.Event}' ({h.Time:yyyy-MM-ddTHH:mm:ssZ})";

    /// <summary>
    /// Every file a region maps from the mapped-file table is the one the
    /// program mapped (device, inode, size, modification time and content
    /// hash; device and inode of one it writes): its pages are not in the
    /// image. The hash catches a file rewritten in place with its size and
    /// modification time put back. The shim checks again as it maps them.
    /// </summary>
    static void CheckMappedFiles(Context context)
    {
        const string NotSafe = "since the image was saved; resuming it would not be safe";
        var used = context.Regions.Where(r => BackingFiles.IsMapped((ZqFile)r.File))
            .Select(r => (int)(r.File - (uint)ZqFile.Mapped)).Distinct();
        foreach (var i in used)
        {
            var m = context.MappedFiles[i];
            if (Libc.StatPath(m.Path, out var st) != 0)
                throw new ZhuqueException(ReturnCode.ProgramChanged, $"{m.Path}, which the program mapped, is gone {NotSafe}");
            if (st.Dev != m.Dev || st.Ino != m.Ino || (!m.Writable && ((ulong)st.Size != m.Size
                || st.MTimeSec != m.MtimeSec || (ulong)st.MTimeNsec != m.MtimeNsec)))
                throw new ZhuqueException(ReturnCode.ProgramChanged, $"{m.Path}, which the program mapped, changed {NotSafe}");
            if (m.Writable || m.Hash == 0)
                continue;
            ulong hash;
            try
            {
                hash = ContentHash.OfFile(m.Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ZhuqueException(ReturnCode.ProgramChanged, $"{m.Path}, which the program mapped, cannot be read ({e.Message}) {NotSafe}");
            }
            if (hash != m.Hash)
                throw new ZhuqueException(ReturnCode.ProgramChanged, $"{m.Path}, which the program mapped, changed (its contents) {NotSafe}");
        }
    }

    static void CheckProgram(Manifest manifest)
    {
        const string NotSafe = "the program changed since the image was saved; resuming it would not be safe";
        string actual;
        try
        {
            actual = ProgramHash.Sha256(manifest.Program);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ZhuqueException(ReturnCode.ProgramChanged, $"{manifest.Program} is missing: {NotSafe}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZhuqueException(ReturnCode.ProgramChanged, $"{manifest.Program} cannot be read ({e.Message}): {NotSafe}");
        }
        if (!string.Equals(actual, manifest.ProgramSha256, StringComparison.OrdinalIgnoreCase))
            throw new ZhuqueException(ReturnCode.ProgramChanged, $"{manifest.Program}: {NotSafe}");
    }
}
