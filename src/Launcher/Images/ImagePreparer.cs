using Serilog;
using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Before a fresh start: decides whether the image may be started over and
/// clears the previous run (context and regions/ only; the manifest's history
/// and zhuque.log stay). A run that holds something (saved, lost, faulted,
/// or died while running) is kept unless --fresh was given. The caller holds
/// the image lock, so "running" here means that process died.
/// </summary>
public static class ImagePreparer
{
    public static Manifest? Prepare(ImageDirectory dir, bool fresh, ILogger log)
    {
        var manifest = ReadManifest(dir, fresh, log);
        var context = ReadContext(dir, fresh, log);
        if (context is not null && Holds(context.State) is { } what)
        {
            if (!fresh)
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh,
                    $"image {dir.Path} holds {what} (state {ContextFile.StateName(context.State)}); " +
                    $"--fresh discards it, or `zhuque rm {dir.Path}` removes the image");
            if (context.State == ZqState.Saved)
                log.Warning("discarding the saved failure in {Image}", dir.Path);
            else
                log.Warning("discarding {What} in {Image} (--fresh)", what, dir.Path);
        }
        Discard(dir, log);
        return manifest;
    }

    static string? Holds(ZqState state) => state switch
    {
        ZqState.Saved => "a saved power failure",
        ZqState.Lost => "a run that died without a save",
        ZqState.Faulted => "a run that crashed",
        ZqState.Running => "a run whose process died",
        _ => null,
    };

    static Manifest? ReadManifest(ImageDirectory dir, bool fresh, ILogger log)
    {
        try
        {
            return ManifestStore.Read(dir);
        }
        catch (ZhuqueException e) when (e.Code == ReturnCode.ImageCorrupt)
        {
            if (!fresh)
                throw new ZhuqueException(e.Code, $"{e.Message}; --fresh discards it");
            log.Warning("discarding the unreadable manifest of {Image} (--fresh)", dir.Path);
            return null;
        }
    }

    static Context? ReadContext(ImageDirectory dir, bool fresh, ILogger log)
    {
        try
        {
            return ContextFile.Read(dir);
        }
        catch (ZhuqueException e) when (e.Code == ReturnCode.ImageCorrupt)
        {
            if (!fresh)
                throw new ZhuqueException(e.Code, $"{e.Message}; --fresh discards it");
            log.Warning("discarding the corrupt context of {Image} (--fresh)", dir.Path);
            return null;
        }
    }

    static void Discard(ImageDirectory dir, ILogger log)
    {
        if (dir.Has(ImageFiles.Context))
        {
            File.Delete(dir.Through(ImageFiles.Context));
            log.Debug("deleted {Path}", dir.File(ImageFiles.Context));
        }
        var regions = dir.Through(ImageFiles.Regions);
        if (Directory.Exists(regions))
        {
            Directory.Delete(regions, recursive: true);
            log.Debug("deleted {Path}", dir.File(ImageFiles.Regions));
        }
    }

    /// <summary>After a normal exit: the memory is released, the rest of the image stays.</summary>
    public static void ReleaseMemory(ImageDirectory dir, ILogger log)
    {
        var regions = dir.Through(ImageFiles.Regions);
        if (!Directory.Exists(regions))
            return;
        foreach (var file in Directory.EnumerateFiles(regions))
            File.Delete(file);
        log.Debug("released the memory of {Image}", dir.Path);
    }
}
