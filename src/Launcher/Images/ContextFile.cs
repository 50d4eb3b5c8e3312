using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>Opens IMAGE/context and reads it with Interpose's ContextReader, mapping corruption to exit code 122.</summary>
public static class ContextFile
{
    /// <summary>The context, or null if the image has none.</summary>
    public static Context? Read(ImageDirectory dir)
    {
        using var handle = Open(dir, Libc.O_RDONLY);
        return handle is null ? null : Read(dir, handle);
    }

    public static SafeFileHandle? Open(ImageDirectory dir, int flags) =>
        dir.OpenFile(ImageFiles.Context, flags);

    public static Context Read(ImageDirectory dir, SafeFileHandle handle)
    {
        try
        {
            return ContextReader.Read(handle);
        }
        catch (ContextCorruptException e)
        {
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: {e.Message}");
        }
    }

    public static string StateName(ZqState state) => state.ToString().ToLowerInvariant();
}
