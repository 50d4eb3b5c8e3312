namespace Zhuque.Interpose.Image;

/// <summary>Where each zq_file lives, relative to the image directory (names from image.h's zq_file_names).</summary>
public static class BackingFiles
{
    public const string RegionsDirectory = Layout.RegionsDir;

    /// <summary>regions/NAME, or null for the program file and files the program mapped (which are not in the image).</summary>
    public static string? RelativePath(ZqFile file)
    {
        if (file >= ZqFile.Mapped)
            return null;
        if (file >= ZqFile.Count)
            throw new ArgumentOutOfRangeException(nameof(file), file, "no such backing file");
        var name = Layout.FileNames[(int)file];
        return name.Length == 0 ? null : $"{RegionsDirectory}/{name}";
    }

    /// <summary>Regions other than the program's text and the files it mapped are MAP_SHARED on an image file.</summary>
    public static bool IsShared(ZqFile file) => file is not ZqFile.Program and < ZqFile.Mapped;

    /// <summary>A file the program mapped itself (entry file - Mapped of the context's mapped-file table).</summary>
    public static bool IsMapped(ZqFile file) => file >= ZqFile.Mapped;
}
