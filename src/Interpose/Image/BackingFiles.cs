namespace Zhuque.Interpose.Image;

/// <summary>Where each zq_file lives, relative to the image directory.</summary>
public static class BackingFiles
{
    public const string RegionsDirectory = "regions";

    /// <summary>regions/NAME, or null for the program file (which is not in the image).</summary>
    public static string? RelativePath(ZqFile file) => file switch
    {
        ZqFile.Program => null,
        ZqFile.Data => "regions/data",
        ZqFile.Stack => "regions/stack",
        ZqFile.Brk => "regions/brk",
        ZqFile.Arena => "regions/arena",
        ZqFile.Fixed => "regions/fixed",
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, "no such backing file"),
    };

    /// <summary>Regions other than the program's text are MAP_SHARED on an image file.</summary>
    public static bool IsShared(ZqFile file) => file != ZqFile.Program;
}
