namespace Zhuque.Launcher.Images;

/// <summary>
/// Where images go without --image: $XDG_RUNTIME_DIR/zhuque/images when it
/// is set, a per-user tmpfs where mapped pages are cheapest (docs/benchmarks.md);
/// else ${XDG_STATE_HOME:-$HOME/.local/state}/zhuque/images. As the XDG base
/// directory rule says, a relative path in either is ignored.
/// </summary>
public static class ImageRoot
{
    public static string Path(Func<string, string?> getEnv)
    {
        var runtime = getEnv("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && System.IO.Path.IsPathRooted(runtime))
            return System.IO.Path.Combine(runtime, "zhuque", "images");
        var state = getEnv("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !System.IO.Path.IsPathRooted(state))
        {
            var home = getEnv("HOME");
            if (string.IsNullOrEmpty(home))
                throw new ZhuqueException(ReturnCode.UsageOrInternal, "HOME is not set; give the image with --image DIR");
            state = System.IO.Path.Combine(home, ".local", "state");
        }
        return System.IO.Path.Combine(state, "zhuque", "images");
    }

    public static string Path() => Path(Environment.GetEnvironmentVariable);

    /// <summary>The default image of a program: named after the program's base name.</summary>
    public static string ForProgram(string program) =>
        System.IO.Path.Combine(Path(), System.IO.Path.GetFileName(program.TrimEnd('/')));

    /// <summary>
    /// IMAGE as inspect, resume and crash take it: a path, or else a bare
    /// name that is not a directory here is an image under the default
    /// directory (as `list` shows them).
    /// </summary>
    public static string Locate(string image)
    {
        if (image.Contains('/') || Directory.Exists(image))
            return image;
        var named = System.IO.Path.Combine(Path(), image);
        return Directory.Exists(named) ? named : image;
    }
}
