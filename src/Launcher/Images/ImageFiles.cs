using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Images;

/// <summary>Names of the entries of an image directory.</summary>
public static class ImageFiles
{
    public const string Manifest = "manifest.json";
    public const string ManifestTemp = "manifest.json.tmp";
    public const string Context = "context";
    public const string Regions = Layout.RegionsDir;
    public const string Log = "zhuque.log";
    public const string Lock = "lock";

    /// <summary>
    /// Entries the launcher creates before the manifest exists; a directory
    /// holding only these is an image whose first run stopped early, not a
    /// user's directory. regions/ is not among them: it is deleted by --fresh,
    /// so it must never be taken from a directory that is not an image.
    /// </summary>
    public static readonly IReadOnlySet<string> Preliminary = new HashSet<string>(StringComparer.Ordinal)
    {
        Log, Lock, ManifestTemp,
    };

    /// <summary>Every entry zhuque or the runtime puts in an image: all that `rm` deletes.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Manifest, ManifestTemp, Context, Regions, Log, Lock,
    };

    public const uint DirectoryMode = 0x1C0; // 0700
    public const uint FileMode = 0x180;      // 0600
}
