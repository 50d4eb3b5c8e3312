using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Run;

/// <summary>
/// `run` on an image that holds a saved failure resumes it, so that a
/// service manager can restart the same command: when the manifest names
/// this very program (path and SHA-256), the image gets every check of
/// `resume` (SavedImage) and is resumed. A saved failure of another program,
/// or of this one before it changed, is refused (123). With --fresh, or
/// when the image holds no saved failure, run starts afresh (ImagePreparer,
/// which also reports an unreadable context or manifest). The caller holds
/// the lock.
/// </summary>
public static class RunOrResume
{
    /// <summary>The saved image to resume, or null to start afresh.</summary>
    public static SavedImage? Check(ImageDirectory dir, ResolvedProgram program, bool fresh)
    {
        if (fresh)
            return null;
        Context? context;
        Manifest? manifest;
        try
        {
            context = ContextFile.Read(dir);
            manifest = context?.State == ZqState.Saved ? ManifestStore.Read(dir) : null;
        }
        catch (ZhuqueException e) when (e.Code == ReturnCode.ImageCorrupt)
        {
            return null; // ImagePreparer refuses it, saying that --fresh discards it
        }
        if (context?.State != ZqState.Saved || manifest is null)
            return null;
        if (manifest.Program != program.Path)
            throw new ZhuqueException(ReturnCode.ImageNeedsFresh,
                $"image {dir.Path} holds a saved failure of {manifest.Program}, not of {program.Path}; " +
                $"--fresh discards it, or choose another --image");
        if (!string.Equals(ProgramHash.Sha256(program.Path), manifest.ProgramSha256, StringComparison.OrdinalIgnoreCase))
            throw new ZhuqueException(ReturnCode.ImageNeedsFresh,
                $"image {dir.Path} holds a saved failure of {program.Path} as it was before it changed (its SHA-256 differs); " +
                $"--fresh discards it");
        return SavedImage.Check(dir);
    }
}
