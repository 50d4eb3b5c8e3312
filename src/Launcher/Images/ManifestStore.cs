using System.Text.Json;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Reads and writes IMAGE/manifest.json. Writes go to a temporary file that
/// is fsynced and renamed over the manifest, so a crash leaves the old one
/// or the new one, never half of either.
/// </summary>
public static class ManifestStore
{
    /// <summary>The manifest, or null if the image has none.</summary>
    public static Manifest? Read(ImageDirectory dir)
    {
        using var handle = dir.OpenFile(ImageFiles.Manifest, Libc.O_RDONLY);
        if (handle is null)
            return null;
        using var stream = new FileStream(handle, FileAccess.Read);
        try
        {
            var manifest = JsonSerializer.Deserialize(stream, ZhuqueJsonContext.Default.Manifest)
                ?? throw new JsonException("empty");
            if (manifest.FormatVersion != Manifest.CurrentFormatVersion)
                throw new ZhuqueException(ReturnCode.ImageCorrupt,
                    $"image {dir.Path} has manifest format {manifest.FormatVersion}, this zhuque reads {Manifest.CurrentFormatVersion}");
            return manifest with { History = manifest.History ?? [], Argv = manifest.Argv ?? [] };
        }
        catch (JsonException e)
        {
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} has an unreadable manifest.json ({e.Message})");
        }
    }

    public static void Write(ImageDirectory dir, Manifest manifest)
    {
        // Unlink first so O_EXCL creates it afresh with mode 0600 whatever a stale one had.
        Libc.UnlinkAt(dir.Fd, ImageFiles.ManifestTemp, 0);
        using (var handle = Posix.OpenFileAt(dir.Fd, ImageFiles.ManifestTemp,
            Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL, ImageFiles.FileMode)
            ?? throw new IOException($"cannot create {dir.File(ImageFiles.ManifestTemp)}"))
        using (var stream = new FileStream(handle, FileAccess.Write))
        {
            try
            {
                JsonSerializer.Serialize(stream, manifest, ZhuqueJsonContext.Default.Manifest);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // A full disk: leave no half-written temporary behind.
                Libc.UnlinkAt(dir.Fd, ImageFiles.ManifestTemp, 0);
                throw;
            }
        }
        if (Libc.RenameAt(dir.Fd, ImageFiles.ManifestTemp, dir.Fd, ImageFiles.Manifest) != 0)
            throw new IOException($"rename {dir.File(ImageFiles.ManifestTemp)}: {Libc.Message(Libc.LastError)}");
    }
}
