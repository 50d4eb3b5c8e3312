namespace Zhuque.Interpose.Dwarf;

/// <summary>How a line table's file name, its directory and the compilation directory make one path.</summary>
public static class SourcePaths
{
    /// <summary>name if absolute, else directory/name, else compilationDirectory/directory/name (each part when known).</summary>
    public static string Join(string? compilationDirectory, string? directory, string name)
    {
        var path = name;
        if (!Path.IsPathRooted(path) && !string.IsNullOrEmpty(directory))
            path = Path.Join(directory, path);
        if (!Path.IsPathRooted(path) && !string.IsNullOrEmpty(compilationDirectory))
            path = Path.Join(compilationDirectory, path);
        return path;
    }
}
